import { P256Keypair, parsePublicKey, Secp256k1Keypair } from '@welkin/crypto'
import { type DataValue, encodeCbor } from '@welkin/data'
import { describe, expect, it } from 'vitest'
import {
  type Commit,
  commitBlock,
  decodeCommit,
  encodeCommit,
  parseCommit,
  signCommit,
  type UnsignedCommit,
  verifyCommitSignature,
} from './commit.js'
import { InvalidCommitError } from './errors.js'
import { leafCid } from './mst/test-util.js'

const unsigned: UnsignedCommit = {
  did: 'did:plc:ewvi7nxzyoun6zhxrhs64oiz',
  version: 3,
  data: leafCid('root'),
  rev: '3jzfcijpj2z2a',
  prev: null,
}

describe('commits', () => {
  for (const [name, make] of [
    ['k256', () => Secp256k1Keypair.createSync()],
    ['p256', () => P256Keypair.createSync()],
  ] as const) {
    it(`signs and verifies (${name})`, async () => {
      const keypair = make()
      const commit = await signCommit(unsigned, keypair)
      expect(commit.sig.length).toBe(64)
      expect(verifyCommitSignature(commit, keypair.did())).toBe(true)
      expect(verifyCommitSignature(commit, parsePublicKey(keypair.did()))).toBe(true)
      expect(verifyCommitSignature({ ...commit, rev: '3jzfcijpj2z2b' }, keypair.did())).toBe(false)
      expect(verifyCommitSignature({ ...commit, data: leafCid('other') }, keypair.did())).toBe(false)
      expect(verifyCommitSignature(commit, make().did())).toBe(false)
    })
  }

  it('round-trips through its block', async () => {
    const commit = await signCommit({ ...unsigned, prev: leafCid('prev') }, Secp256k1Keypair.createSync())
    const { cid, bytes } = commitBlock(commit)
    const back = decodeCommit(bytes)
    expect(back.prev?.equals(leafCid('prev'))).toBe(true)
    expect(commitBlock(back).cid.equals(cid)).toBe(true)
    expect(encodeCommit(back)).toEqual(bytes)
  })

  it('refuses to sign an invalid commit', async () => {
    const keypair = Secp256k1Keypair.createSync()
    await expect(signCommit({ ...unsigned, did: 'nope' }, keypair)).rejects.toThrow(InvalidCommitError)
    await expect(signCommit({ ...unsigned, rev: 'nope' }, keypair)).rejects.toThrow(InvalidCommitError)
  })

  it('rejects malformed commit objects', async () => {
    const good = (await signCommit(unsigned, Secp256k1Keypair.createSync())) as Commit
    const base = { ...good } as unknown as Record<string, DataValue>
    const { prev: _prev, ...noPrev } = base
    const cases: [string, DataValue][] = [
      ['not a map', [1]],
      ['missing prev', noPrev],
      ['version 2', { ...base, version: 2 }],
      ['extra field', { ...base, extra: 1 }],
      ['bad did', { ...base, did: 'did:bad' }],
      ['bad rev', { ...base, rev: 'not-a-tid' }],
      ['data not a CID', { ...base, data: 'bafy' }],
      ['prev not a CID', { ...base, prev: 'x' }],
      ['sig not bytes', { ...base, sig: 'abc' }],
    ]
    expect(parseCommit(base).did).toBe(unsigned.did)
    for (const [name, value] of cases) {
      expect(() => parseCommit(value), name).toThrow(InvalidCommitError)
      expect(() => decodeCommit(encodeCbor(value)), name).toThrow(InvalidCommitError)
    }
    expect(() => decodeCommit(new Uint8Array([0xff]))).toThrow(InvalidCommitError)
  })
})

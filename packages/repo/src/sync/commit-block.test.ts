// The direct commit reader against decodeCommit and encodeUnsignedCommit.
import { parsePublicKey, Secp256k1Keypair } from '@welkin/crypto'
import { CID, DAG_CBOR, encodeCbor, RAW } from '@welkin/data'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type Commit, decodeCommit, encodeCommit, encodeUnsignedCommit, signCommit } from '../commit.js'
import { readCommitBlock, unsignedBytes } from './commit-block.js'

const cidArb = (code: number) =>
  fc.uint8Array({ minLength: 32, maxLength: 32 }).map((d) => CID.create(code, d))

const commitArb: fc.Arbitrary<Commit> = fc.record({
  did: fc.oneof(
    fc.constantFrom('did:plc:ewvi7nxzyoun6zhxrhs64oiz', 'did:web:example.com'),
    fc
      .string({ unit: fc.constantFrom(...'abcxyz0189'), minLength: 1, maxLength: 300 })
      .map((s) => `did:web:${s}`),
  ),
  version: fc.constant(3 as const),
  data: cidArb(DAG_CBOR),
  rev: fc.constantFrom('3kabcdefghij2', '2222222222222', '3jzfcijpj2z2a'),
  prev: fc.option(cidArb(DAG_CBOR)),
  sig: fc.uint8Array({ minLength: 0, maxLength: 300 }),
})

function generic(bytes: Uint8Array): Commit | null {
  try {
    return decodeCommit(bytes)
  } catch {
    return null
  }
}

describe('readCommitBlock', () => {
  it('reads commits as decodeCommit does, and cuts out exactly the unsigned encoding', () => {
    fc.assert(
      fc.property(commitArb, (commit) => {
        const bytes = encodeCommit(commit)
        const block = readCommitBlock(bytes)
        expect(block).not.toBeNull()
        expect(block!.commit).toEqual(generic(bytes))
        expect(unsignedBytes(bytes, block!)).toEqual(encodeUnsignedCommit(commit))
      }),
      { numRuns: 300 },
    )
  })

  it('never accepts a mutated block that decodeCommit refuses, nor reads it differently', () => {
    let accepted = 0
    fc.assert(
      fc.property(
        commitArb,
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        fc.boolean(),
        (commit, at, v, cut) => {
          const bytes = encodeCommit(commit)
          const i = at % bytes.length
          const mutated = cut ? bytes.slice(0, i) : bytes.slice()
          if (!cut) mutated[i] = v
          const block = readCommitBlock(mutated)
          if (block === null) return
          accepted++
          expect(block.commit).toEqual(generic(mutated))
          expect(unsignedBytes(mutated, block)).toEqual(encodeUnsignedCommit(block.commit))
        },
      ),
      { numRuns: 2000 },
    )
    expect(accepted).toBeGreaterThan(100)
  })

  it('leaves odd but valid and invalid commits to the generic path', () => {
    const base = {
      did: 'did:plc:ewvi7nxzyoun6zhxrhs64oiz',
      version: 3,
      data: CID.create(DAG_CBOR, new Uint8Array(32)),
      rev: '3kabcdefghij2',
      prev: null,
      sig: new Uint8Array(64),
    }
    const cases = [
      { ...base, extra: 1 }, // an unsigned field
      { ...base, prev: CID.create(RAW, new Uint8Array(32)) },
      { ...base, data: CID.create(RAW, new Uint8Array(32)) },
      { ...base, version: 2 },
      { ...base, rev: 'not-a-tid' },
      { ...base, did: 'did:plc:é' },
      { ...base, sig: 'text' },
    ]
    for (const c of cases) {
      const bytes = encodeCbor(c)
      expect(readCommitBlock(bytes)).toBeNull()
      expect(generic(bytes)).toBeNull()
    }
  })

  it('cuts out what a real signature covers', async () => {
    const keypair = Secp256k1Keypair.createSync()
    const commit = await signCommit(
      {
        did: 'did:plc:ewvi7nxzyoun6zhxrhs64oiz',
        version: 3,
        data: CID.create(DAG_CBOR, new Uint8Array(32)),
        rev: '3kabcdefghij2',
        prev: null,
      },
      keypair,
    )
    const bytes = encodeCommit(commit)
    const block = readCommitBlock(bytes)!
    expect(parsePublicKey(keypair.did()).verifySync(unsignedBytes(bytes, block), commit.sig)).toBe(true)
  })
})

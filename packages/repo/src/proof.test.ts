import { Secp256k1Keypair } from '@welkin/crypto'
import { BlockMap, encodeCar } from '@welkin/data'
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { MemoryBlockstore } from './blockstore.js'
import { InvalidProofError } from './errors.js'
import { getRecordProof, verifyRecordProof } from './proof.js'
import { Repo } from './repo.js'

const did = 'did:plc:ewvi7nxzyoun6zhxrhs64oiz'
const keypair = Secp256k1Keypair.createSync()
const record = (i: number) => ({ $type: 'app.bsky.feed.post', text: `post ${i}` })

describe('record proofs', () => {
  let repo: Repo
  let store: MemoryBlockstore

  beforeAll(async () => {
    store = new MemoryBlockstore()
    repo = await Repo.create(
      store,
      did,
      keypair,
      Array.from({ length: 200 }, (_, i) => ({
        action: 'create' as const,
        collection: 'app.bsky.feed.post',
        rkey: `r${i * 2}`,
        record: record(i * 2),
      })),
    )
  })

  const opts = (rkey: string) => ({ did, key: keypair.did(), collection: 'app.bsky.feed.post', rkey })

  it('proves present records and absent ones, and fails when tampered', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(399), fc.nat(), async (i, pick) => {
        const rkey = `r${i}`
        const proof = await getRecordProof(store, repo.cid, 'app.bsky.feed.post', rkey)
        const car = encodeCar([proof.commit], proof.blocks)
        const shown = verifyRecordProof(car, opts(rkey))
        if (i % 2 === 0) {
          expect(shown.cid?.equals((await repo.getRecordCid('app.bsky.feed.post', rkey))!)).toBe(true)
          expect(shown.record).toEqual(record(i))
        } else {
          expect(shown.cid).toBeNull()
        }
        // Any block taken away breaks it, as does another key or DID. (An absence proof carries the
        // whole descent that layer-unaware readers need; our reader stops at the key's layer, so
        // only the commit and the root are essential to it there.)
        const all = [...proof.blocks.cids()].filter((c) => !(shown.cid && c.equals(shown.cid)))
        const cids = shown.cid ? all : all.slice(0, 2)
        const gone = cids[pick % cids.length]
        const partial = new BlockMap()
        for (const b of proof.blocks) if (!b.cid.equals(gone)) partial.set(b.cid, b.bytes)
        expect(() => verifyRecordProof({ commit: proof.commit, blocks: partial }, opts(rkey))).toThrow(
          InvalidProofError,
        )
        expect(() =>
          verifyRecordProof(car, { ...opts(rkey), key: Secp256k1Keypair.createSync().did() }),
        ).toThrow(InvalidProofError)
        expect(() =>
          verifyRecordProof(car, { ...opts(rkey), did: 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa' }),
        ).toThrow(InvalidProofError)
      }),
      { numRuns: 40 },
    )
  })

  it('keeps the proof small', async () => {
    const proof = await getRecordProof(store, repo.cid, 'app.bsky.feed.post', 'r10')
    expect(proof.blocks.size).toBeLessThan(10)
  })

  it('rejects corrupt proof bytes', () => {
    expect(() => verifyRecordProof(new Uint8Array([1, 2, 3]), opts('r1'))).toThrow(InvalidProofError)
  })
})

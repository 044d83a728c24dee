// Random write sequences over a small key space (so trees shrink back and reuse nodes that a
// commit dropped), with garbage collection and cache loss at random points: the stored repo must
// always equal the model, and every node the current tree needs must still be in SQLite.
import { verifyRepoCar } from '@welkin/repo'
import { tidFromTime } from '@welkin/syntax'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PdsStore } from './pds-store.js'
import { createTestAccount, openTestStore, testPost } from './testing.js'
import { verifyPdsStore } from './verify-store.js'

const POST = 'app.bsky.feed.post'
const KEYS = Array.from({ length: 24 }, (_, i) => tidFromTime(1_700_000_000_000_000 + i * 1000, 0))

type Step =
  | { kind: 'put'; key: number; text: number }
  | { kind: 'delete'; key: number }
  | { kind: 'gc'; limit: number }
  | { kind: 'forget' }
  /** A write and its undo: the tree returns to a shape whose nodes a commit just dropped. */
  | { kind: 'toggle'; key: number; text: number }

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('put' as const),
      key: fc.nat(KEYS.length - 1),
      text: fc.nat(3),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('delete' as const), key: fc.nat(KEYS.length - 1) }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('gc' as const), limit: fc.integer({ min: 1, max: 64 }) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('forget' as const) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('toggle' as const),
      key: fc.nat(KEYS.length - 1),
      text: fc.nat(3),
    }),
  },
)

async function put(
  did: string,
  model: Map<string, number>,
  rkey: string,
  text: number | undefined,
): Promise<void> {
  const exists = model.has(rkey)
  if (text === undefined) {
    if (!exists) return
    await store.writer.applyWrites(did, [{ action: 'delete', collection: POST, rkey }])
    model.delete(rkey)
    return
  }
  const action = exists ? ('update' as const) : ('create' as const)
  await store.writer.applyWrites(did, [{ action, collection: POST, rkey, record: testPost(text) }])
  model.set(rkey, text)
}

async function exportCar(did: string): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const p of store.reader.exportCar(did)) parts.push(p)
  return Buffer.concat(parts)
}

let store: PdsStore
let cleanup: () => Promise<void>
let account = 0

beforeAll(async () => {
  const t = await openTestStore()
  store = t.store
  cleanup = t.cleanup
})
afterAll(async () => cleanup())

describe('RepoWriter under random writes with garbage collection', () => {
  it('keeps the stored repo equal to the model and complete', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 30 }), async (steps) => {
        const { did } = await createTestAccount(store, ++account)
        const model = new Map<string, number>()
        for (const s of steps) {
          if (s.kind === 'gc') store.writer.collectGarbage(s.limit)
          else if (s.kind === 'forget') {
            store.writer.forget(did)
            store.writer.cache.clear()
          } else if (s.kind === 'toggle') {
            const rkey = KEYS[s.key]
            const before = model.get(rkey)
            await put(did, model, rkey, before === s.text ? undefined : s.text)
            await put(did, model, rkey, before)
          } else {
            await put(did, model, KEYS[s.key], s.kind === 'delete' ? undefined : s.text)
          }
        }
        while (store.writer.collectGarbage(1000) > 0) {}
        store.writer.forget(did)
        store.writer.cache.clear()
        // Every node of the current tree must still be stored.
        const info = await verifyRepoCar(await exportCar(did), { did })
        expect(info.recordCount).toBe(model.size)
        await store.writer.applyWrites(did, [])
        const listed = store.reader.listRecords(did, POST, { limit: 100, reverse: true })
        expect(listed.map((r) => r.uri.split('/').pop())).toEqual([...model.keys()].sort())
        for (const r of listed) expect(r.value).toEqual(testPost(model.get(r.uri.split('/').pop()!)!))
      }),
      { numRuns: 12 },
    )
    const report = await verifyPdsStore(store.db)
    expect(report.problems).toEqual([])
    expect(report.repos).toBe(account)
  })
})

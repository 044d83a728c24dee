// The inversion that passes through nodes as bytes against the generic one, on random trees
// (keys of every layer, so empty bridging nodes, new tops and merged seams all occur).
import { BlockMap, encodeCar, readCarSync } from '@welkin/data'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MemoryBlockstore } from '../blockstore.js'
import { MST } from '../mst/mst.js'
import { leafCid, persist } from '../mst/test-util.js'
import { invertFast, invertGeneric, type RecordOp } from './invert.js'
import { addInversionNodes } from './slice.js'

const COLLECTIONS = ['a.b.post', 'a.b.like', 'c.d.e']

interface Case {
  before: MST
  after: MST
  ops: RecordOp[]
}

/** A stored tree of `keys`, then `edits` applied: the slice an inversion of them gets. */
async function scenario(keys: string[], edits: [number, string][], version: number): Promise<Case> {
  const store = new MemoryBlockstore()
  let before = MST.create(store)
  for (const k of keys) if (!(await before.has(k))) before = await before.add(k, leafCid(k))
  before = persist(before, store)
  let after = before
  const ops: RecordOp[] = []
  const seen = new Set<string>()
  for (const [kind, key] of edits) {
    if (seen.has(key)) continue
    seen.add(key)
    const prev = await after.get(key)
    if (prev === null) {
      const cid = leafCid(`${key}@${version}`)
      after = await after.add(key, cid)
      ops.push({ action: 'create', path: key, cid, prev: null })
    } else if (kind === 0) {
      after = await after.delete(key)
      ops.push({ action: 'delete', path: key, cid: null, prev })
    } else {
      const cid = leafCid(`${key}@${version}`)
      after = await after.update(key, cid)
      ops.push({ action: 'update', path: key, cid, prev })
    }
  }
  return { before, after, ops }
}

async function sliceOf(c: Case): Promise<BlockMap> {
  const blocks = new BlockMap(c.after.getUnstoredBlocks().blocks)
  await addInversionNodes(c.after, c.ops, blocks)
  // Through a CAR, so nodes are views into one buffer as on the firehose.
  return readCarSync(encodeCar([c.after.getPointer()], blocks)).blocks
}

const keyArb = fc
  .tuple(fc.constantFrom(...COLLECTIONS), fc.integer({ min: 0, max: 400 }))
  .map(([c, n]) => `${c}/k${n}`)

// Small trees, and trees of a few hundred keys (four or five layers).
const treeKeys = fc.oneof(
  fc.uniqueArray(keyArb, { maxLength: 12 }),
  fc.uniqueArray(keyArb, { minLength: 100, maxLength: 400, size: 'max' }),
)

describe('invertFast', () => {
  it('reaches the previous root, as the generic inversion does, in any order', async () => {
    await fc.assert(
      fc.asyncProperty(
        treeKeys,
        fc.array(fc.tuple(fc.nat(2), keyArb), { minLength: 1, maxLength: 8 }),
        fc.nat(),
        async (keys, edits, seed) => {
          const c = await scenario(keys, edits, seed)
          if (c.ops.length === 0) return
          const blocks = await sliceOf(c)
          const data = c.after.getPointer()
          const want = c.before.getPointer()
          const orders: (number[] | undefined)[] = [
            undefined,
            c.ops.map((_, i) => i),
            fc.sample(fc.shuffledSubarray([...c.ops.keys()], { minLength: c.ops.length }), {
              seed,
              numRuns: 1,
            })[0],
          ]
          for (const order of orders) {
            expect(invertGeneric(blocks, data, c.ops, order).equals(want)).toBe(true)
            expect(invertFast(blocks, data, c.ops, order).equals(want)).toBe(true)
          }
        },
      ),
      { numRuns: 120 },
    )
  })

  it('throws where the generic inversion throws', async () => {
    await fc.assert(
      fc.asyncProperty(
        treeKeys,
        fc.array(fc.tuple(fc.nat(2), keyArb), { minLength: 1, maxLength: 5 }),
        fc.nat(),
        async (keys, edits, pick) => {
          const c = await scenario(keys, edits, 1)
          if (c.ops.length === 0) return
          const blocks = await sliceOf(c)
          const data = c.after.getPointer()
          // A slice missing one of its blocks, or ops with one left out.
          const cids = [...blocks.cids()]
          const fewer = new BlockMap(blocks)
          fewer.delete(cids[pick % cids.length])
          for (const [b, ops] of [
            [fewer, c.ops],
            [blocks, c.ops.slice(1)],
          ] as const) {
            let generic: string
            try {
              generic = invertGeneric(b, data, ops).toString()
            } catch {
              generic = 'threw'
            }
            let fast: string
            try {
              fast = invertFast(b, data, ops).toString()
            } catch {
              fast = 'threw'
            }
            if (fast !== 'threw') expect(fast).toBe(generic)
          }
        },
      ),
      { numRuns: 60 },
    )
  })
})

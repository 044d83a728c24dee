import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MemoryBlockstore } from '../blockstore.js'
import { diffNodes, diffTrees } from './diff.js'
import { MST } from './mst.js'
import { leafCid, persist } from './test-util.js'

const keyArb = fc
  .tuple(fc.constantFrom('app.bsky.feed.post', 'app.bsky.graph.follow'), fc.stringMatching(/^[a-z0-9]{1,6}$/))
  .map(([c, r]) => `${c}/${r}`)

/** All node CIDs of a stored tree. */
async function nodeIds(tree: MST): Promise<Set<string>> {
  const ids = new Set<string>()
  for await (const item of tree.walk()) if (item.type === 'node') ids.add(item.cid.toString())
  return ids
}

describe('diffTrees', () => {
  it('applied to its base gives its target, and names exactly the new nodes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(keyArb, { maxLength: 80 }),
        fc.uniqueArray(keyArb, { maxLength: 80 }),
        fc.nat(),
        async (baseKeys, otherKeys, salt) => {
          const store = new MemoryBlockstore()
          const base = persist(MST.fromEntries(baseKeys.map((key) => ({ key, cid: leafCid(key) }))), store)
          // Target: some base keys removed, some changed, some new ones.
          let target = base
          for (const [i, key] of baseKeys.entries()) {
            if ((i + salt) % 3 === 0) target = await target.delete(key)
            else if ((i + salt) % 3 === 1 && i % 2 === 0)
              target = await target.update(key, leafCid(`${key}!`))
          }
          for (const key of otherKeys)
            if (!baseKeys.includes(key)) target = await target.add(key, leafCid(key))

          const diff = await diffTrees(base, target)
          let applied = base
          for (const d of diff.deletes) applied = await applied.delete(d.key)
          for (const u of diff.updates) applied = await applied.update(u.key, u.cid)
          for (const a of diff.adds) applied = await applied.add(a.key, a.cid)
          expect(applied.getPointer().toString()).toBe(target.getPointer().toString())

          const stored = persist(target, store)
          const baseIds = await nodeIds(base)
          const targetIds = await nodeIds(stored)
          const expectedNew = [...targetIds].filter((id) => !baseIds.has(id)).sort()
          expect([...diff.newMstBlocks.cids()].map(String).sort()).toEqual(expectedNew)
          const expectedRemoved = [...baseIds].filter((id) => !targetIds.has(id)).sort()
          expect(diff.removedMstCids.map(String).sort()).toEqual(expectedRemoved)
          for (const u of diff.updates) expect(u.prev.equals(leafCid(u.key))).toBe(true)
        },
      ),
      { numRuns: 60 },
    )
  })

  it('from nothing lists every entry and node', async () => {
    const keys = Array.from({ length: 100 }, (_, i) => `com.example.record/${i}`)
    const tree = MST.fromEntries(keys.map((key) => ({ key, cid: leafCid(key) })))
    const diff = await diffTrees(null, tree)
    expect(diff.adds.map((a) => a.key)).toEqual([...keys].sort())
    expect(diff.deletes).toEqual([])
    expect(diff.newMstBlocks.size).toBe(tree.getUnstoredBlocks().blocks.size)
  })

  it('between equal trees is empty', async () => {
    const tree = MST.fromEntries([{ key: 'a.b.c/1', cid: leafCid(1) }])
    const diff = await diffTrees(tree, tree)
    expect(diff.adds.length + diff.updates.length + diff.deletes.length + diff.newMstBlocks.size).toBe(0)
  })
})

describe('diffNodes', () => {
  const sorted = (cids: Iterable<{ toString(): string }>) => [...cids].map(String).sort()

  it('names the same new and removed nodes as diffTrees, for edited and for reloaded targets', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(keyArb, { maxLength: 80 }),
        fc.uniqueArray(keyArb, { maxLength: 40 }),
        fc.nat(),
        fc.boolean(),
        async (baseKeys, otherKeys, salt, reload) => {
          const store = new MemoryBlockstore()
          const base = persist(MST.fromEntries(baseKeys.map((key) => ({ key, cid: leafCid(key) }))), store)
          let target = base
          for (const [i, key] of baseKeys.entries()) {
            if ((i + salt) % 4 === 0) target = await target.delete(key)
            else if ((i + salt) % 4 === 1) target = await target.update(key, leafCid(`${key}!`))
          }
          for (const key of otherKeys)
            if (!baseKeys.includes(key)) target = await target.add(key, leafCid(key))
          // A reloaded target shares no node object with the base: only CIDs can match.
          if (reload) target = persist(target, store)
          const expected = await diffTrees(base, target)
          const got = await diffNodes(base, target)
          expect(sorted(got.newMstBlocks.cids())).toEqual(sorted(expected.newMstBlocks.cids()))
          expect(sorted(got.removedMstCids)).toEqual(sorted(expected.removedMstCids))
          for (const { cid, bytes } of got.newMstBlocks) expect(expected.newMstBlocks.get(cid)).toEqual(bytes)
        },
      ),
      { numRuns: 60 },
    )
  })

  it('from nothing names every node; between equal trees nothing', async () => {
    const keys = Array.from({ length: 100 }, (_, i) => `com.example.record/${i}`)
    const tree = MST.fromEntries(keys.map((key) => ({ key, cid: leafCid(key) })))
    const all = await diffNodes(null, tree)
    expect(sorted(all.newMstBlocks.cids())).toEqual(sorted(tree.getUnstoredBlocks().blocks.cids()))
    expect(all.removedMstCids).toEqual([])
    const none = await diffNodes(tree, tree)
    expect(none.newMstBlocks.size + none.removedMstCids.length).toBe(0)
  })

  it('reads stubs through an asynchronous store', async () => {
    const sync = new MemoryBlockstore()
    const keys = Array.from({ length: 60 }, (_, i) => `com.example.record/${i}`)
    const built = persist(MST.fromEntries(keys.map((key) => ({ key, cid: leafCid(key) }))), sync)
    const slow = { getBytes: async (cid: Parameters<MemoryBlockstore['getBytes']>[0]) => sync.getBytes(cid) }
    const base = MST.load(slow, built.getPointer())
    const target = MST.load(slow, (await built.delete(keys[7])).getPointer())
    sync.putBlocks((await built.delete(keys[7])).getUnstoredBlocks().blocks)
    const got = await diffNodes(base, target)
    const expected = await diffTrees(built, persist(await built.delete(keys[7]), sync))
    expect(sorted(got.newMstBlocks.cids())).toEqual(sorted(expected.newMstBlocks.cids()))
    expect(sorted(got.removedMstCids)).toEqual(sorted(expected.removedMstCids))
  })
})

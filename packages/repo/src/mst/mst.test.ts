import type { CID } from '@welkin/data'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { describeInterop, readInteropLines } from '../../../../test/support/interop.js'
import { MemoryBlockstore, type ReadableBlockstore } from '../blockstore.js'
import { InvalidMstKeyError, InvalidWriteError, MissingBlockError } from '../errors.js'
import { MST } from './mst.js'
import { leafCid, persist, storedTree } from './test-util.js'

const keyArb = fc
  .tuple(
    fc.constantFrom('app.bsky.feed.post', 'app.bsky.feed.like', 'com.example.a'),
    fc.stringMatching(/^[a-z0-9]{1,8}$/),
  )
  .map(([c, r]) => `${c}/${r}`)

async function buildInOrder(keys: string[], store?: MemoryBlockstore, persistEvery = 0): Promise<MST> {
  let tree = MST.create(store)
  let i = 0
  for (const key of keys) {
    tree = await tree.add(key, leafCid(key))
    if (store && persistEvery > 0 && ++i % persistEvery === 0) tree = persist(tree, store)
  }
  return tree
}

function bulk(keys: Iterable<string>): MST {
  return MST.fromEntries([...keys].map((key) => ({ key, cid: leafCid(key) })))
}

describe('MST', () => {
  it('has the well-known root for the empty tree', () => {
    expect(MST.create().getPointer().toString()).toBe(
      'bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm',
    )
  })

  it('gets, adds, updates and deletes', async () => {
    const a = leafCid('a')
    const b = leafCid('b')
    const tree = await MST.create().add('com.example.record/3jqfcqzm3fo2j', a)
    expect((await tree.get('com.example.record/3jqfcqzm3fo2j'))?.equals(a)).toBe(true)
    expect(await tree.get('com.example.record/other')).toBeNull()
    expect(await tree.get('not a key')).toBeNull()
    await expect(tree.add('com.example.record/3jqfcqzm3fo2j', b)).rejects.toThrow(InvalidWriteError)
    await expect(tree.update('com.example.record/absent', b)).rejects.toThrow(InvalidWriteError)
    await expect(tree.delete('com.example.record/absent')).rejects.toThrow(InvalidWriteError)
    await expect(tree.add('bad key', b)).rejects.toThrow(InvalidMstKeyError)
    const updated = await tree.update('com.example.record/3jqfcqzm3fo2j', b)
    expect((await updated.get('com.example.record/3jqfcqzm3fo2j'))?.equals(b)).toBe(true)
    // The old version is untouched.
    expect((await tree.get('com.example.record/3jqfcqzm3fo2j'))?.equals(a)).toBe(true)
    const emptied = await updated.delete('com.example.record/3jqfcqzm3fo2j')
    expect(emptied.getPointer().equals(MST.create().getPointer())).toBe(true)
  })

  it('gives the same root for any order of the same inserts', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(keyArb, { maxLength: 120 }), fc.nat(), async (keys, seed) => {
        const expected = bulk(keys).getPointer()
        const shuffled = fc.sample(fc.shuffledSubarray(keys, { minLength: keys.length }), {
          seed,
          numRuns: 1,
        })[0]
        const store = new MemoryBlockstore()
        const tree = await buildInOrder(shuffled, store, 7)
        expect(tree.getPointer().toString()).toBe(expected.toString())
      }),
      { numRuns: 60 },
    )
  })

  it('gives the same root whatever was inserted and deleted on the way', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(keyArb, { minLength: 1, maxLength: 150 }),
        fc.array(fc.nat()),
        async (keys, script) => {
          // Keys at odd indexes are transient: inserted, then deleted at some later point.
          const keep = keys.filter((_, i) => i % 2 === 0)
          const store = new MemoryBlockstore()
          let tree = MST.create(store)
          const pending: string[] = []
          let step = 0
          for (const [i, key] of keys.entries()) {
            tree = await tree.add(key, leafCid(key))
            if (i % 2 === 1) pending.push(key)
            const r = script[step++ % Math.max(script.length, 1)] ?? 0
            if (pending.length > 0 && r % 3 === 0)
              tree = await tree.delete(pending.splice(r % pending.length, 1)[0])
            if (r % 5 === 1) tree = persist(tree, store)
          }
          for (const key of pending) tree = await tree.delete(key)
          expect(tree.getPointer().toString()).toBe(bulk(keep).getPointer().toString())
        },
      ),
      { numRuns: 60 },
    )
  })

  it('lists like a sorted array, with bounds, limit and reverse', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(keyArb, { maxLength: 100 }),
        fc.option(keyArb, { nil: undefined }),
        fc.option(keyArb, { nil: undefined }),
        fc.option(keyArb, { nil: undefined }),
        fc.option(fc.integer({ min: 0, max: 30 }), { nil: undefined }),
        fc.boolean(),
        async (keys, from, after, to, limit, reverse) => {
          const tree = storedTree(keys.map((key) => ({ key, cid: leafCid(key) })))
          let model = [...keys]
            .sort()
            .filter((k) => (from === undefined || k >= from) && (after === undefined || k > after))
            .filter((k) => to === undefined || k < to)
          if (reverse) model.reverse()
          if (limit !== undefined) model = model.slice(0, limit)
          const got = await tree.list({ from, after, to, limit, reverse })
          expect(got.map((e) => e.key)).toEqual(model)
          for (const e of got) expect(e.cid.equals(leafCid(e.key))).toBe(true)
        },
      ),
      { numRuns: 80 },
    )
  })

  it('lists a prefix', async () => {
    const keys = ['a.b.c/1', 'a.b.c/2', 'a.b.cd/1', 'a.b/1', 'z.z.z/1']
    const tree = bulk(keys)
    expect((await tree.listPrefix('a.b.c/')).map((e) => e.key)).toEqual(['a.b.c/1', 'a.b.c/2'])
  })

  it('works over a store that answers asynchronously', async () => {
    const keys = Array.from({ length: 300 }, (_, i) => `com.example.record/k${i}`)
    const sync = storedTree(keys.map((key) => ({ key, cid: leafCid(key) })))
    const inner = sync.loader.store
    const slow: ReadableBlockstore = { getBytes: async (cid) => inner.getBytes(cid) }
    let tree = MST.load(slow, sync.getPointer())
    expect((await tree.get('com.example.record/k17'))?.equals(leafCid('com.example.record/k17'))).toBe(true)
    tree = await tree.delete('com.example.record/k17')
    tree = await tree.add('com.example.record/new', leafCid('com.example.record/new'))
    const expected = bulk([...keys.filter((k) => k !== 'com.example.record/k17'), 'com.example.record/new'])
    expect(tree.getPointer().toString()).toBe(expected.getPointer().toString())
    expect((await tree.list()).length).toBe(300)
  })

  it('reports a missing node', async () => {
    const keys = Array.from({ length: 200 }, (_, i) => `com.example.record/k${i}`)
    const built = MST.fromEntries(keys.map((key) => ({ key, cid: leafCid(key) })))
    const { root, blocks } = built.getUnstoredBlocks()
    const store = new MemoryBlockstore()
    // Everything but the root: the first lookup needs it.
    for (const b of blocks) if (!b.cid.equals(root)) store.put(b.cid, b.bytes)
    await expect(MST.load(store, root).get('com.example.record/k1')).rejects.toThrow(MissingBlockError)
  })

  it('stores only what an edit created', async () => {
    const keys = Array.from({ length: 500 }, (_, i) => `com.example.record/k${i}`)
    const store = new MemoryBlockstore()
    const tree = storedTree(
      keys.map((key) => ({ key, cid: leafCid(key) })),
      store,
    )
    const edited = await tree.add('com.example.record/k250x', leafCid('x'))
    const { blocks } = edited.getUnstoredBlocks()
    expect(blocks.size).toBeGreaterThan(0)
    expect(blocks.size).toBeLessThan(12)
    for (const b of blocks) expect(store.has(b.cid)).toBe(false)
  })
})

describeInterop('MST from example_keys.txt', () => {
  it('builds the same tree in any order, and after deletions', async () => {
    const keys = readInteropLines('mst/example_keys.txt')
    const full = bulk(keys).getPointer().toString()
    await fc.assert(
      fc.asyncProperty(fc.shuffledSubarray(keys, { minLength: keys.length }), async (order) => {
        const store = new MemoryBlockstore()
        let tree = await buildInOrder(order, store, 13)
        expect(tree.getPointer().toString()).toBe(full)
        // Delete the keys of layers 0, 2 and 4, in the same random order.
        const gone = new Set(order.filter((k) => Number(k[1]) % 2 === 0))
        for (const k of order) if (gone.has(k)) tree = await tree.delete(k)
        expect(tree.getPointer().toString()).toBe(
          bulk(keys.filter((k) => !gone.has(k)))
            .getPointer()
            .toString(),
        )
        const listed = (await tree.list()).map((e) => e.key)
        expect(listed).toEqual(keys.filter((k) => !gone.has(k)).sort())
      }),
      { numRuns: 25 },
    )
  })

  it('walks every node and leaf in order', async () => {
    const keys = readInteropLines('mst/example_keys.txt')
    const tree = storedTree(keys.map((key) => ({ key, cid: leafCid(key) })))
    const leaves: string[] = []
    const nodes: CID[] = []
    for await (const item of tree.walk()) {
      if (item.type === 'leaf') leaves.push(item.key)
      else nodes.push(item.cid)
    }
    expect(leaves).toEqual([...keys].sort())
    expect(nodes[0].equals(tree.getPointer())).toBe(true)
    expect(new Set(nodes.map(String)).size).toBe(nodes.length)
  })
})

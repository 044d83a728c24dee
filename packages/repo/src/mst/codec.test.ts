import { CID, cidForCbor, cidForRaw, type DataValue, encodeCbor } from '@welkin/data'
import { describe, expect, it } from 'vitest'
import { MemoryBlockstore } from '../blockstore.js'
import { InvalidMstError } from '../errors.js'
import { diffTrees } from './diff.js'
import { leadingZerosOnHash } from './key.js'
import { MST } from './mst.js'
import { leafCid } from './test-util.js'

// Keys of known layers (from the interop example keys: the digit is the layer).
const L0 = ['A0/374913', 'C0/451630', 'E0/670489', 'G0/765327']
const L1 = ['B1/986427', 'F1/085263']
const L2 = 'D2/269196'
// Two layer-0 keys sharing a prefix.
const SHARED = Array.from({ length: 20 }, (_, i) => `com.example/k${i}`).filter(
  (k) => leadingZerosOnHash(k) === 0,
)

const bytes = (s: string) => new TextEncoder().encode(s)

interface RawEntry {
  p: number
  k: string
  v?: CID
  t?: CID | null
}

function put(store: MemoryBlockstore, value: DataValue): CID {
  const b = encodeCbor(value)
  const cid = cidForCbor(b)
  store.put(cid, b)
  return cid
}

function rawNode(
  store: MemoryBlockstore,
  l: CID | null,
  entries: RawEntry[],
  extra: Record<string, DataValue> = {},
) {
  return put(store, {
    l,
    e: entries.map((e) => ({ p: e.p, k: bytes(e.k), v: e.v ?? leafCid(e.k), t: e.t ?? null })),
    ...extra,
  })
}

/** Entries with correct prefix compression. */
function compress(keys: string[], t: (CID | null)[] = []): RawEntry[] {
  let prev = ''
  return keys.map((key, i) => {
    let p = 0
    while (p < prev.length && p < key.length && prev[p] === key[p]) p++
    prev = key
    return { p, k: key.slice(p), t: t[i] ?? null }
  })
}

async function loadAll(store: MemoryBlockstore, root: CID): Promise<void> {
  for await (const _ of MST.load(store, root).walk()) {
    // walking decodes and checks every node
  }
}

describe('MST node checks', () => {
  it('the example keys have the layers these tests rely on', () => {
    for (const k of L0) expect(leadingZerosOnHash(k)).toBe(0)
    for (const k of L1) expect(leadingZerosOnHash(k)).toBe(1)
    expect(leadingZerosOnHash(L2)).toBe(2)
  })

  it('accepts a well-formed hand-built tree equal to the built one', async () => {
    const store = new MemoryBlockstore()
    const left = rawNode(store, null, compress(['A0/374913']))
    const root = rawNode(store, left, compress(['B1/986427', 'F1/085263']))
    await loadAll(store, root)
    const built = MST.fromEntries(
      ['A0/374913', 'B1/986427', 'F1/085263'].map((key) => ({ key, cid: leafCid(key) })),
    )
    expect(built.getPointer().equals(root)).toBe(true)
  })

  const bad: [string, (s: MemoryBlockstore) => CID][] = [
    ['not a map', (s) => put(s, [1, 2])],
    ['missing l', (s) => put(s, { e: [] })],
    ['an extra field', (s) => rawNode(s, null, compress(L0), { x: 1 })],
    [
      'an extra entry field',
      (s) => put(s, { l: null, e: [{ p: 0, k: bytes(L0[0]), v: leafCid(1), t: null, x: 1 }] }),
    ],
    ['a missing t', (s) => put(s, { l: null, e: [{ p: 0, k: bytes(L0[0]), v: leafCid(1) }] })],
    ['keys out of order', (s) => rawNode(s, null, compress([L0[1], L0[0]]))],
    ['a duplicate key', (s) => rawNode(s, null, [...compress([L0[0]]), { p: L0[0].length, k: '' }])],
    [
      'a prefix shorter than shared',
      (s) =>
        rawNode(s, null, [
          { p: 0, k: SHARED[0] },
          { p: 0, k: SHARED[1] },
        ]),
    ],
    ['a first entry with a prefix', (s) => rawNode(s, null, [{ p: 1, k: L0[0].slice(1) }])],
    [
      'a prefix past the previous key',
      (s) =>
        rawNode(s, null, [
          { p: 0, k: L0[0] },
          { p: 40, k: 'x' },
        ]),
    ],
    ['a key of the wrong layer', (s) => rawNode(s, null, compress([L0[0], L1[0]]))],
    ['an invalid key', (s) => rawNode(s, null, [{ p: 0, k: 'no slash here' }])],
    ['a non-ASCII key', (s) => rawNode(s, null, [{ p: 0, k: 'a/\u00e9' }])],
    ['a subtree on layer 0', (s) => rawNode(s, rawNode(s, null, compress([L0[0]])), compress([L0[1]]))],
    [
      'a raw-codec subtree link',
      (s) => {
        const child = encodeCbor({ l: null, e: [] })
        const cid = cidForRaw(child)
        s.put(cid, child)
        return rawNode(s, cid, compress([L1[0]]))
      },
    ],
    ['an empty root over a subtree', (s) => rawNode(s, rawNode(s, null, compress([L0[0]])), [])],
    ['an empty inner node without subtree', (s) => rawNode(s, rawNode(s, null, []), compress([L1[0]]))],
    [
      'a subtree key outside its gap',
      (s) => rawNode(s, null, compress([L1[0], L1[1]], [rawNode(s, null, compress([L0[0]]))])),
    ],
    [
      'one node linked twice',
      (s) => {
        const child = rawNode(s, null, compress([L0[1]]))
        return rawNode(s, child, compress([L1[0]], [child]))
      },
    ],
  ]
  for (const [name, make] of bad) {
    it(`rejects a node with ${name}`, async () => {
      const store = new MemoryBlockstore()
      const root = make(store)
      await expect(loadAll(store, root)).rejects.toThrow(InvalidMstError)
    })
  }

  it('rejects a node with more entries than the limit', async () => {
    const store = new MemoryBlockstore()
    const keys = Array.from({ length: 40 }, (_, i) => `com.example/${String(i).padStart(3, '0')}`)
    const built = MST.fromEntries(keys.map((key) => ({ key, cid: leafCid(key) })))
    store.putBlocks(built.getUnstoredBlocks().blocks)
    const tree = MST.load(store, built.getPointer(), { maxNodeEntries: 4 })
    await expect(tree.list()).rejects.toThrow(/limit/)
    expect((await MST.load(store, built.getPointer()).list()).length).toBe(40)
  })

  it('rejects undecodable bytes', async () => {
    const store = new MemoryBlockstore()
    const junk = new Uint8Array([0xa2, 0x61])
    const cid = cidForCbor(junk)
    store.put(cid, junk)
    await expect(MST.load(store, cid).get(L0[0])).rejects.toThrow(InvalidMstError)
  })

  it('keeps CID instances distinct from maps', () => {
    expect(CID.asCID(leafCid(1))).not.toBeNull()
  })
})

describe('hostile DAGs', () => {
  it('refuses to list or diff a tree that links one node many times', async () => {
    const store = new MemoryBlockstore()
    const child = rawNode(store, null, compress([L0[1]]))
    const root = rawNode(store, child, compress([L1[0]], [child]))
    await expect(MST.load(store, root).list()).rejects.toThrow(InvalidMstError)
    await expect(diffTrees(null, MST.load(store, root))).rejects.toThrow(InvalidMstError)
  })
})

// The shared GraphStore conformance suite (`@welkin/graph/store-suite`): every backend runs
// it, so all of them agree on HAM-winner writes and canonical iteration order. Test-only.
import { describe, expect, it } from 'vitest'
import { GraphEntry } from './entry.js'
import type { Awaitable, GraphStore, IterateOptions } from './store.js'
import { link, type Value } from './value.js'

const sig = (fill: number) => new Uint8Array(64).fill(fill)
const e = (soul: string, prop: string, value: Value, state: number, s: Uint8Array | null = null) =>
  new GraphEntry(soul, prop, value, state, s)

async function collect(store: GraphStore, opts?: IterateOptions): Promise<GraphEntry[]> {
  const out: GraphEntry[] = []
  for await (const x of store.iterate(opts)) out.push(x)
  return out
}

function plain(x: GraphEntry | undefined) {
  return x && { soul: x.soul, prop: x.prop, value: x.value, state: x.state, sig: x.sig ? [...x.sig] : null }
}

export function describeGraphStore(name: string, makeStore: () => Awaitable<GraphStore>): void {
  describe(`GraphStore conformance: ${name}`, () => {
    it('starts empty', async () => {
      const store = await makeStore()
      expect(await store.get('a', 'x')).toBeUndefined()
      expect(await store.getSoul('a')).toEqual([])
      expect(await collect(store)).toEqual([])
    })

    it('round-trips every value type and signatures', async () => {
      const store = await makeStore()
      const values: Value[] = [
        null,
        true,
        false,
        0,
        -7,
        2 ** 53 - 1,
        0.1,
        -1.5e300,
        '',
        'héllo 😀',
        link('b'),
      ]
      const entries = values.map((v, i) => e('a', `p${i}`, v, 1000 + i))
      entries.push(e('~did:key:zQ3sh', 'name', 'x', 5, sig(7)))
      await store.putBatch(entries)
      for (const x of entries) expect(plain(await store.get(x.soul, x.prop))).toEqual(plain(x))
    })

    it('keeps the HAM winner whatever the write order', async () => {
      const store = await makeStore()
      await store.putBatch([e('a', 'x', 'new', 20)])
      await store.putBatch([e('a', 'x', 'old', 10)])
      expect((await store.get('a', 'x'))?.value).toBe('new')
      // Equal states: the greater JSON text wins; '"b"' > '"a"'.
      await store.putBatch([e('a', 'y', 'b', 5), e('a', 'y', 'a', 5)])
      expect((await store.get('a', 'y'))?.value).toBe('b')
      await store.putBatch([
        e('a', 'z', 'v', 5, sig(1)),
        e('a', 'z', 'v', 5, sig(9)),
        e('a', 'z', 'v', 5, sig(3)),
      ])
      expect((await store.get('a', 'z'))?.sig?.[0]).toBe(9)
      await store.putBatch([e('a', 'x', 'newer', 30)])
      expect((await store.get('a', 'x'))?.value).toBe('newer')
    })

    it('iterates in canonical order and resumes after a key', async () => {
      const store = await makeStore()
      // U+1F600 sorts after U+FF5E by code point (and in UTF-8), though not by UTF-16 unit.
      const souls = ['b', 'a', '😀', '～', 'a/b']
      const props = ['z', 'y', '10', '9']
      await store.putBatch(souls.flatMap((s) => props.map((p, i) => e(s, p, i, 1 + i))))
      const keys = (await collect(store)).map((x) => `${x.soul}|${x.prop}`)
      const expected = ['a', 'a/b', 'b', '～', '😀'].flatMap((s) =>
        ['10', '9', 'y', 'z'].map((p) => `${s}|${p}`),
      )
      expect(keys).toEqual(expected)
      expect((await store.getSoul('b')).map((x) => x.prop)).toEqual(['10', '9', 'y', 'z'])
      const page = await collect(store, { after: { soul: 'a/b', prop: 'y' }, limit: 3 })
      expect(page.map((x) => `${x.soul}|${x.prop}`)).toEqual(['a/b|z', 'b|10', 'b|9'])
      expect(await collect(store, { limit: 0 })).toEqual([])
    })
  })
}

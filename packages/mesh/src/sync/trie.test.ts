import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { SyncError } from '../errors.js'
import { checkPrefix, EMPTY_FP, keyHash, LEAF_MAX, SyncTrie } from './trie.js'

const hash = (n: number) => new Uint8Array(32).fill(n & 255).map((b, i) => (b + i * 7) & 255)
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

describe('SyncTrie', () => {
  it('fingerprints depend only on the entries, not on insertion order or trie shape', () => {
    const item = fc.record({
      soul: fc.string({ minLength: 1, maxLength: 4 }),
      prop: fc.constantFrom('a', 'b', 'c', 'd'),
    })
    fc.assert(
      fc.property(
        fc.uniqueArray(item, { maxLength: 120, selector: (x) => `${x.soul}\u0000${x.prop}` }),
        (items) => {
          const a = new SyncTrie()
          const b = new SyncTrie()
          for (const [i, x] of items.entries()) a.upsert(x.soul, x.prop, hash(i))
          // b sees stale hashes first, then the same final ones in reverse order.
          for (const [i, x] of items.entries()) b.upsert(x.soul, x.prop, hash(i + 1))
          for (let i = items.length - 1; i >= 0; i--) b.upsert(items[i].soul, items[i].prop, hash(i))
          expect(a.size).toBe(items.length)
          expect(hex(a.summary(new Uint8Array(0)).fp)).toBe(hex(b.summary(new Uint8Array(0)).fp))
          for (const prefix of [[], [3], [3, 7], [15, 15, 15]]) {
            const p = Uint8Array.from(prefix)
            expect(a.children(p).map((s) => [s.count, hex(s.fp)])).toEqual(
              b.children(p).map((s) => [s.count, hex(s.fp)]),
            )
            expect(a.items(p).map((x) => hex(x.kh))).toEqual(b.items(p).map((x) => hex(x.kh)))
          }
        },
      ),
      { numRuns: 60 },
    )
  })

  it('changes the root fingerprint when one entry changes, and computes virtual children consistently', () => {
    const t = new SyncTrie()
    for (let i = 0; i < 1000; i++) t.upsert('s', `p${i}`, hash(i))
    const before = hex(t.summary(new Uint8Array(0)).fp)
    expect(t.upsert('s', 'p5', hash(5))).toBe(false)
    expect(t.upsert('s', 'p5', hash(6))).toBe(true)
    expect(hex(t.summary(new Uint8Array(0)).fp)).not.toBe(before)
    // A deep prefix lands inside a leaf: its children are computed from the leaf's entries,
    // and must add up to the prefix's own count.
    const deep = t.items(new Uint8Array(0))[0].kh
    const prefix = Uint8Array.from([deep[0] >> 4, deep[0] & 15, deep[1] >> 4, deep[1] & 15, deep[2] >> 4])
    const kids = t.children(prefix)
    expect(kids.reduce((n, s) => n + s.count, 0)).toBe(t.summary(prefix).count)
    expect(t.summary(prefix).count).toBeLessThanOrEqual(LEAF_MAX)
    expect(t.summary(Uint8Array.from([1, 2, 3, 4, 5, 6, 7])).fp).toEqual(EMPTY_FP)
  })

  it('gives a prefix the same summary whether it is a leaf, inside a leaf or an inner node', () => {
    const under: string[] = []
    const other: string[] = []
    for (let i = 0; under.length < 40; i++)
      (keyHash('s', `p${i}`)[0] >> 4 === 9 ? under : other).push(`p${i}`)
    const p = Uint8Array.from([9])
    for (const n of [3, LEAF_MAX, LEAF_MAX + 1, 40]) {
      const small = new SyncTrie()
      const big = new SyncTrie()
      under.slice(0, n).forEach((prop, i) => {
        small.upsert('s', prop, hash(i))
        big.upsert('s', prop, hash(i))
      })
      for (const [i, prop] of other.entries()) big.upsert('s', prop, hash(100 + i))
      expect(hex(small.summary(p).fp)).toBe(hex(big.summary(p).fp))
      expect(small.children(p).map((x) => hex(x.fp))).toEqual(big.children(p).map((x) => hex(x.fp)))
    }
  })

  it('rejects malformed prefixes', () => {
    expect(() => checkPrefix(Uint8Array.from([16]))).toThrow(SyncError)
    expect(() => checkPrefix(new Uint8Array(65))).toThrow(SyncError)
    expect(() => checkPrefix('00')).toThrow(SyncError)
    expect(() => new SyncTrie().children(new Uint8Array(64))).toThrow(SyncError)
  })
})

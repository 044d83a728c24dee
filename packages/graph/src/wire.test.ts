import { P256Keypair } from '@welkin/crypto'
import { encodeCbor } from '@welkin/data'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ManualClock } from './clock.js'
import { GraphEntry, type Update } from './entry.js'
import { entryHash } from './entry-hash.js'
import { WireFormatError } from './errors.js'
import { Graph } from './graph.js'
import { userSoul } from './soul.js'
import { link, type Value } from './value.js'
import { decodeUpdates, encodeUpdates, updateToData, valueFromData, valueToData } from './wire.js'

const arbValue: fc.Arbitrary<Value> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string(),
  // Souls starting with '~' must be did:key user space; plain ones suffice here.
  fc
    .string({ minLength: 1, maxLength: 8 })
    .filter((s) => !s.startsWith('~'))
    .map(link),
)

describe('value encoding', () => {
  it('round-trips every value, floats through f64 bytes', () => {
    fc.assert(
      fc.property(arbValue, (v) => {
        const back = valueFromData(valueToData(v))
        expect(back).toEqual(v === 0 ? 0 : v)
      }),
    )
    expect(valueToData(0.5)).toEqual({ f64: new Uint8Array([0x3f, 0xe0, 0, 0, 0, 0, 0, 0]) })
    expect(valueToData(2 ** 53)).toHaveProperty('f64')
    expect(valueToData(-0)).toBe(0)
    expect(valueToData(7)).toBe(7)
  })

  it('rejects non-canonical and malformed values', () => {
    const f64 = (n: number) => {
      const b = new Uint8Array(8)
      new DataView(b.buffer).setFloat64(0, n)
      return { f64: b }
    }
    for (const bad of [f64(3), f64(-0), f64(Number.NaN), f64(Number.POSITIVE_INFINITY)])
      expect(() => valueFromData(bad)).toThrow(WireFormatError)
    for (const bad of [{ f64: new Uint8Array(7) }, { x: 1 }, [1], new Uint8Array(1), { '#': 5 }])
      expect(() => valueFromData(bad as never)).toThrow()
  })
})

describe('update batches', () => {
  const key = P256Keypair.createSync()
  const g = new Graph({ clock: new ManualClock(1_700_000_000_000) })
  const signed = g.put(userSoul(key.did()), { bio: 'hi', n: 1.25 }, { signer: key })
  const plain = g.put('public', { l: link('x'), z: null, t: true })

  it('round-trips a batch, and the decoded batch merges', () => {
    const bytes = encodeUpdates([...signed, ...plain])
    const back = decodeUpdates(bytes)
    expect(back.map((u) => ({ ...u, sig: u.sig ? [...u.sig] : undefined }))).toEqual(
      [...signed, ...plain].map((e) => ({
        soul: e.soul,
        prop: e.prop,
        value: e.value,
        state: e.state,
        sig: e.sig ? [...e.sig] : undefined,
      })),
    )
    const r = new Graph({ clock: new ManualClock(1_700_000_000_000) }).merge(back)
    expect(r.rejected).toEqual([])
    expect(r.changed).toHaveLength(5)
  })

  it('rejects malformed batches with WireFormatError', () => {
    const ok = updateToData(plain[0]) as Record<string, unknown>
    const cases: unknown[] = [
      { not: 'an array' },
      [5],
      [{ ...ok, extra: 1 }],
      [{ ...ok, state: -1 }],
      [{ ...ok, soul: '' }],
      [{ ...ok, prop: 7 }],
      [{ ...ok, sig: 'x' }],
      [{ ...ok, signer: 1 }],
      [{ ...ok, value: { a: 1 } }],
      [{ soul: 'a', prop: 'b', state: 1 }],
    ]
    for (const c of cases) expect(() => decodeUpdates(encodeCbor(c as never))).toThrow(WireFormatError)
    expect(() => decodeUpdates(new Uint8Array([0xff]))).toThrow(WireFormatError)
    expect(() => decodeUpdates(encodeUpdates(plain), { maxUpdates: 2 })).toThrow(/exceeds 2/)
    expect(() => decodeUpdates(encodeUpdates(plain), { maxBytes: 10 })).toThrow(/exceeds 10/)
    // Too deep: a link whose soul is itself a map.
    expect(() => decodeUpdates(encodeCbor([{ ...ok, value: { '#': { '#': 'x' } } }] as never))).toThrow(
      WireFormatError,
    )
  })
})

describe('entryHash', () => {
  it('is stable and changes with every field, signature included', () => {
    const base = new GraphEntry('s', 'p', 'v', 5, null)
    const h = entryHash(base)
    expect(h).toHaveLength(32)
    expect(entryHash(new GraphEntry('s', 'p', 'v', 5, null))).toEqual(h)
    const variants: Update[] = [
      { ...base, soul: 't' },
      { ...base, prop: 'q' },
      { ...base, value: 'w' },
      { ...base, state: 6 },
      { ...base, sig: new Uint8Array(64) },
    ]
    const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
    const all = new Set([hex(h), ...variants.map((v) => hex(entryHash(v)))])
    expect(all.size).toBe(variants.length + 1)
  })
})

import { Secp256k1Keypair } from '@welkin/crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ManualClock } from './clock.js'
import { InvalidUpdateError } from './errors.js'
import { Graph } from './graph.js'
import { OrSet } from './or-set.js'
import { userSoul } from './soul.js'
import { link } from './value.js'

const clock = new ManualClock(1_700_000_000_000)
const replica = (id: string) => new Graph({ clock, nodeId: id })
const sync = (from: Graph, to: Graph) => to.merge([...from.entries()])

describe('OrSet', () => {
  it('adds, removes and re-adds on one replica', () => {
    const s = new OrSet(replica('a'), 'tags')
    s.add('x')
    s.add('x')
    s.add(link('doc/1'))
    s.add(2)
    expect(s.values()).toEqual(['x', 2, { '#': 'doc/1' }])
    expect(s.size).toBe(3)
    expect(s.remove('x')).toHaveLength(2)
    expect(s.has('x')).toBe(false)
    expect(s.remove('x')).toEqual([])
    s.add('x')
    expect(s.has('x')).toBe(true)
    expect(() => s.add(null)).toThrow(InvalidUpdateError)
  })

  it('lists distinct elements in canonical order', () => {
    const s = new OrSet(replica('a'), 'tags')
    for (const v of ['b', 'a', 'b', 10, true]) s.add(v)
    // JSON text order: '"a"' < '"b"' < '10' < 'true'.
    expect(s.values()).toEqual(['a', 'b', 10, true])
  })

  it('lets a concurrent add win over a remove', () => {
    const [a, b] = [replica('a'), replica('b')]
    new OrSet(a, 'S').add('x')
    sync(a, b)
    new OrSet(a, 'S').remove('x')
    new OrSet(b, 'S').add('x')
    sync(a, b)
    sync(b, a)
    expect(new OrSet(a, 'S').values()).toEqual(['x'])
    expect(new OrSet(b, 'S').values()).toEqual(['x'])
  })

  it('applies a remove that arrives before its add', () => {
    const [a, b, c] = [replica('a'), replica('b'), replica('c')]
    const added = new OrSet(a, 'S').add('x')
    b.merge(added)
    const removed = new OrSet(b, 'S').remove('x')
    c.merge(removed)
    c.merge(added)
    expect(new OrSet(c, 'S').has('x')).toBe(false)
  })

  it('works in user space with the owner key', () => {
    const key = Secp256k1Keypair.createSync()
    const a = replica('a')
    const s = new OrSet(a, userSoul(key.did(), 'follows'), { signer: key })
    s.add(link('bob'))
    s.remove(link('bob'))
    s.add(link('carol'))
    const b = replica('b')
    expect(sync(a, b).rejected).toEqual([])
    expect(new OrSet(b, s.soul).values()).toEqual([{ '#': 'carol' }])
    expect(() => new OrSet(b, s.soul).add('x')).toThrow(/needs its owner's key/)
  })

  it('converges to observed-remove semantics under any interleaving (property)', () => {
    const op = fc.record({
      at: fc.integer({ min: 0, max: 2 }),
      kind: fc.constantFrom('add', 'add', 'remove', 'sync'),
      elem: fc.constantFrom('a', 'b', 'c'),
      to: fc.integer({ min: 0, max: 2 }),
      wait: fc.integer({ min: 0, max: 2 }),
    })
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const reps = ['r0', 'r1', 'r2'].map(replica)
        const sets = reps.map((g) => new OrSet(g, 'S'))
        const addedTags = new Map<string, string>()
        const removedTags = new Set<string>()
        for (const o of ops) {
          clock.advance(o.wait)
          if (o.kind === 'add') for (const e of sets[o.at].add(o.elem)) addedTags.set(e.prop, o.elem)
          else if (o.kind === 'remove') for (const e of sets[o.at].remove(o.elem)) removedTags.add(e.prop)
          else sync(reps[o.at], reps[o.to])
        }
        for (const from of reps) for (const to of reps) sync(from, to)
        const expected = [
          ...new Set([...addedTags].filter(([t]) => !removedTags.has(t)).map(([, v]) => v)),
        ].sort()
        for (const s of sets) expect(s.values()).toEqual(expected)
      }),
    )
  })
})

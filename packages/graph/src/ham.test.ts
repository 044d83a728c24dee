// Property tests of the merge: the HAM order makes a join-semilattice, so merging is
// commutative, associative and idempotent, and the winner is the maximum of a simple model.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ManualClock } from './clock.js'
import type { Update } from './entry.js'
import { Graph } from './graph.js'
import { hamCompare } from './ham.js'
import { link, type Value } from './value.js'

const arbValue: fc.Arbitrary<Value> = fc.oneof(
  fc.constantFrom<Value>(null, true, false, 0, 1, 10, 9, -1, 0.5, '', 'a', 'b', '10', 'null', 'true'),
  fc.string({ maxLength: 3 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom('a', 'b', 'x').map(link),
)

const arbUpdate: fc.Arbitrary<Update> = fc.record({
  soul: fc.constantFrom('a', 'b', 'c/d'),
  prop: fc.constantFrom('x', 'y'),
  value: arbValue,
  // A narrow state range makes equal states, and so tie-breaks, common.
  state: fc.integer({ min: 0, max: 4 }),
})
const arbUpdates = fc.array(arbUpdate, { maxLength: 40 })

const newGraph = () => new Graph({ clock: new ManualClock(1_000_000), nodeId: 'p' })

function build(...batches: Iterable<Update>[]): Graph {
  const g = newGraph()
  for (const b of batches) g.merge(b)
  return g
}

function snapshot(g: Graph): string {
  return JSON.stringify([...g.entries()].map((e) => [e.soul, e.prop, e.value, e.state]))
}

/** Independent model: per key, the largest (state, JSON text) pair. */
function model(updates: Update[]): string {
  const best = new Map<string, Update>()
  for (const u of updates) {
    const v = u.value === 0 ? 0 : u.value
    const k = JSON.stringify([u.soul, u.prop])
    const cur = best.get(k)
    const beats =
      cur === undefined ||
      u.state > cur.state ||
      (u.state === cur.state && JSON.stringify(v) > JSON.stringify(cur.value))
    if (beats) best.set(k, { ...u, value: v })
  }
  const keys = [...best.keys()].sort()
  return JSON.stringify(keys.map((k) => best.get(k)!).map((u) => [u.soul, u.prop, u.value, u.state]))
}

describe('HAM merge properties', () => {
  it('picks the maximum (state, JSON text) per property', () => {
    fc.assert(
      fc.property(arbUpdates, (us) => {
        expect(snapshot(build(us))).toBe(model(us))
      }),
    )
  })

  it('is commutative: any delivery order gives the same state', () => {
    fc.assert(
      fc.property(
        arbUpdates.chain((us) =>
          fc.tuple(fc.constant(us), fc.shuffledSubarray(us, { minLength: us.length })),
        ),
        ([us, shuffled]) => {
          expect(snapshot(build(shuffled))).toBe(snapshot(build(us)))
        },
      ),
    )
  })

  it('is associative over replica states', () => {
    fc.assert(
      fc.property(arbUpdates, arbUpdates, arbUpdates, (a, b, c) => {
        const [A, B, C] = [build(a), build(b), build(c)]
        const left = build(build(A.entries(), B.entries()).entries(), C.entries())
        const right = build(A.entries(), build(B.entries(), C.entries()).entries())
        expect(snapshot(left)).toBe(snapshot(right))
      }),
    )
  })

  it('is idempotent: merging again changes nothing', () => {
    fc.assert(
      fc.property(arbUpdates, (us) => {
        const g = build(us)
        const before = snapshot(g)
        const again = g.merge(us)
        expect(again.changed).toEqual([])
        g.merge([...g.entries()])
        expect(snapshot(g)).toBe(before)
      }),
    )
  })

  it('orders every pair of distinct writes strictly (a total order)', () => {
    fc.assert(
      fc.property(arbUpdate, arbUpdate, (a, b) => {
        const ab = hamCompare(a, b)
        expect(Math.sign(ab) + Math.sign(hamCompare(b, a))).toBe(0)
        if (ab === 0) expect(JSON.stringify(a.value)).toBe(JSON.stringify(b.value))
      }),
    )
  })
})

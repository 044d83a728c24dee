// Differential test against GUN (npm `gun`, its real in-memory put pipeline, which runs its
// HAM on every key): on the same random concurrent updates, delivered in the same order,
// Welkin keeps the same winner wherever the two rule sets coincide. The deliberate
// differences (README.md, "Differences from GUN") are pinned by the last tests.
import { createRequire } from 'node:module'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { COUNTER_SLOTS, ManualClock } from './clock.js'
import type { Update } from './entry.js'
import { Graph } from './graph.js'
import { link, type Value } from './value.js'

interface GunNode {
  _: { '>': Record<string, number> }
  [prop: string]: unknown
}
interface GunRoot {
  graph: Record<string, GunNode | undefined>
  on(event: 'in', msg: unknown): void
}

function loadGun(): GunRoot {
  const require = createRequire(import.meta.url)
  // GUN greets on the console when loaded; keep test output clean.
  const log = console.log
  console.log = () => {}
  try {
    const Gun = require('gun/gun') as (opts: object) => { _: GunRoot }
    return Gun({ peers: [], localStorage: false, radisk: false })._
  } finally {
    console.log = log
  }
}

const gun = loadGun()
let msgId = 0
let soulSeq = 0

/**
 * One key per message: GUN then processes it synchronously. GUN derives internal ids as
 * message id + counter, so ids end in a letter to never collide with those.
 */
function gunPut(u: Update): void {
  const node = { _: { '#': u.soul, '>': { [u.prop]: u.state } }, [u.prop]: u.value }
  gun.on('in', { '#': `welkin${++msgId}x`, put: { [u.soul]: node } })
}

function gunGet(soul: string, prop: string): { value: unknown; state: number } | undefined {
  const node = gun.graph[soul]
  if (node === undefined || !(prop in node)) return undefined
  return { value: node[prop], state: node._['>'][prop] }
}

// Values both systems accept: GUN's `valid` is the same five kinds; strings stay well-formed.
const arbValue: fc.Arbitrary<Value> = fc.oneof(
  fc.constantFrom<Value>(null, true, false, 0, 1, 10, 9, -1, 0.5, '', 'a', 'b', '10', 'true', 'null'),
  fc.string({ maxLength: 4 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.constantFrom('a', 'b', 'x y').map(link),
)
const arbWrite = fc.record({
  prop: fc.constantFrom('p', 'q', 'r'),
  value: arbValue,
  state: fc.integer({ min: 0, max: 5 }),
})

const text = (v: unknown) => JSON.stringify(v)

describe('differential: Welkin HAM vs GUN HAM', () => {
  it('keeps the same winner for random concurrent updates in random order', () => {
    // States far in GUN's past (ms since 2001) and far below Welkin's skew bound.
    const base = 1_000_000_000_000
    fc.assert(
      fc.property(fc.array(arbWrite, { minLength: 1, maxLength: 30 }), (writes) => {
        const soul = `diff/${++soulSeq}`
        const graph = new Graph({ clock: new ManualClock(Date.now()), nodeId: 'w' })
        for (const w of writes) {
          const u = { soul, prop: w.prop, value: w.value, state: base + w.state }
          graph.merge([u])
          gunPut(u)
        }
        for (const prop of ['p', 'q', 'r']) {
          const ours = graph.getEntry(soul, prop)
          const theirs = gunGet(soul, prop)
          expect(ours === undefined).toBe(theirs === undefined)
          if (ours && theirs) {
            expect(ours.state).toBe(theirs.state)
            expect(text(ours.value)).toBe(text(theirs.value))
          }
        }
      }),
      { numRuns: 300 },
    )
  })

  it('defers exactly what GUN defers when the skew bound is 0 (states scaled by 1000)', () => {
    // GUN defers a state above its wall clock in ms; Welkin with maxSkewMs 0 defers a state
    // above (now ms) * 1000 + 999. For whole-ms GUN states s, Welkin's s * 1000 matches.
    // Offsets keep 2 s clear of "now" so the two clocks' reads cannot straddle a boundary.
    const offset = fc.oneof(
      fc.integer({ min: -600_000, max: -2000 }),
      fc.integer({ min: 2000, max: 600_000 }),
    )
    fc.assert(
      fc.property(
        fc.array(fc.record({ prop: fc.constantFrom('p', 'q'), value: arbValue, offset })),
        (writes) => {
          const soul = `defer/${++soulSeq}`
          const now = Date.now()
          const graph = new Graph({ clock: new ManualClock(now), maxSkewMs: 0, maxDeferMs: 3_600_000 })
          for (const w of writes) {
            const gunState = now + w.offset
            gunPut({ soul, prop: w.prop, value: w.value, state: gunState })
            graph.merge([{ soul, prop: w.prop, value: w.value, state: gunState * COUNTER_SLOTS }])
          }
          for (const prop of ['p', 'q']) {
            const ours = graph.getEntry(soul, prop)
            const theirs = gunGet(soul, prop)
            expect(ours === undefined).toBe(theirs === undefined)
            if (ours && theirs) {
              expect(ours.state).toBe(theirs.state * COUNTER_SLOTS)
              expect(text(ours.value)).toBe(text(theirs.value))
            }
          }
          expect(graph.deferredCount).toBe(
            new Set(writes.filter((w) => w.offset > 0).map((w) => w.prop)).size,
          )
        },
      ),
      { numRuns: 100 },
    )
  })
})

describe('deliberate differences from GUN', () => {
  const now = Date.now()
  const soul = () => `delib/${++soulSeq}`

  it('skew bound: Welkin applies a write 30 s ahead (within maxSkewMs), GUN defers it', () => {
    const s = soul()
    const graph = new Graph({ clock: new ManualClock(now), maxSkewMs: 60_000 })
    graph.merge([{ soul: s, prop: 'p', value: 'ahead', state: (now + 30_000) * COUNTER_SLOTS }])
    gunPut({ soul: s, prop: 'p', value: 'ahead', state: now + 30_000 })
    expect(graph.getProp(s, 'p')).toBe('ahead')
    expect(gunGet(s, 'p')).toBeUndefined()
  })

  it('horizon: Welkin rejects a state years ahead, GUN only defers it', () => {
    const graph = new Graph({ clock: new ManualClock(now) })
    const r = graph.merge([{ soul: soul(), prop: 'p', value: 1, state: (now + 3e10) * COUNTER_SLOTS }])
    expect(r.rejected.map((x) => x.error.code)).toEqual(['too-far-future'])
  })

  it('types: Welkin rejects strings with unpaired surrogates, GUN stores them', () => {
    const s = soul()
    const graph = new Graph({ clock: new ManualClock(now) })
    const r = graph.merge([{ soul: s, prop: 'p', value: 'a\uD800', state: 5 }])
    gunPut({ soul: s, prop: 'p', value: 'a\uD800', state: 5 })
    expect(r.rejected.map((x) => x.error.code)).toEqual(['invalid-value'])
    expect(gunGet(s, 'p')?.value).toBe('a\uD800')
  })
})

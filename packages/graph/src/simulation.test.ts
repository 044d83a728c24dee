// Convergence under a hostile network: many replicas, skewed clocks, reordering, duplicates,
// drops, partitions and forged writes. Every replica must end identical, equal to the HAM
// maximum of all genuine writes, and the run must be reproducible from its seed.
// Reproduce one run with GRAPH_SIM_SEED=<seed>.
import { describe, expect, it } from 'vitest'
import { ManualClock } from './clock.js'
import type { Update } from './entry.js'
import { Graph } from './graph.js'
import { hamCompare } from './ham.js'
import { runSimulation, type SimOptions, snapshotOf } from './simulation.js'

const OPTS: SimOptions = {
  replicas: 12,
  steps: 300,
  maxSkewMs: 500,
  dropRate: 0.2,
  dupRate: 0.1,
  maxDeferred: 8,
}
const envSeed = process.env.GRAPH_SIM_SEED
const SEEDS = envSeed ? [Number(envSeed)] : [1, 2, 3, 42, 1337, 20240601]

function model(writes: Update[]): string {
  // Per property, the greatest genuine write (ham.test.ts checks hamCompare against an
  // independent model); a fresh graph only renders the winners in the snapshot format.
  const best = new Map<string, Update>()
  for (const w of writes) {
    const k = `${w.soul}\u0000${w.prop}`
    const cur = best.get(k)
    if (cur === undefined || hamCompare(w, cur) > 0) best.set(k, w)
  }
  const g = new Graph({ clock: new ManualClock(Number.MAX_SAFE_INTEGER / 1000 - 10 ** 7), maxSkewMs: 0 })
  const r = g.merge(best.values())
  expect(r.rejected).toEqual([])
  return snapshotOf(g)
}

describe('seeded replica simulation', () => {
  const totals: Record<string, number> = {}

  for (const seed of SEEDS) {
    it(`converges for seed ${seed}`, () => {
      const replicas = 8 + (seed % 13)
      const out = runSimulation(seed, { ...OPTS, replicas })
      for (const [k, v] of Object.entries(out.counters)) totals[k] = (totals[k] ?? 0) + v
      try {
        for (const s of out.snapshots) expect(s).toBe(out.snapshots[0])
        expect(out.snapshots[0]).toBe(model(out.writes))
        expect(out.forged.length === 0 || !out.snapshots[0].includes('"replayed"')).toBe(true)
        expect(out.snapshots[0]).not.toContain('pwned')
      } catch (err) {
        throw new Error(
          `simulation diverged; reproduce with GRAPH_SIM_SEED=${seed}: ${(err as Error).message}`,
        )
      }
    })
  }

  it('exercised drops, duplicates, partitions, deferral and forgery', () => {
    if (envSeed) return
    for (const k of [
      'dropped',
      'duplicated',
      'partitions',
      'deferred',
      'released',
      'rejected:signature-invalid',
    ])
      expect(totals[k], k).toBeGreaterThan(0)
    expect(totals['rejected:defer-queue-full'] ?? 0).toBeGreaterThan(0)
  })

  it('is reproducible from its seed', () => {
    const a = runSimulation(7, { ...OPTS, replicas: 10, steps: 150 })
    const b = runSimulation(7, { ...OPTS, replicas: 10, steps: 150 })
    expect(b.snapshots[0]).toBe(a.snapshots[0])
    expect(b.counters).toEqual(a.counters)
    const c = runSimulation(8, { ...OPTS, replicas: 10, steps: 150 })
    expect(c.snapshots[0]).not.toBe(a.snapshots[0])
  })
})

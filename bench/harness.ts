// Tiny benchmark harness shared by the scripts in bench/. A benchmark is a plain script that
// measures a baseline (the raw ceiling, or the official implementation) and Welkin in the
// same run, and prints both with their ratio, so numbers from different machines compare.
import { performance } from 'node:perf_hooks'

export interface Measurement {
  name: string
  ops: number
  seconds: number
  opsPerSec: number
  /** Per-operation latency percentiles in milliseconds, when measured per call. */
  p50?: number
  p99?: number
}

export interface MeasureOptions {
  /** Stop after this many seconds (default 2). */
  seconds?: number
  /** Or after this many calls. */
  maxOps?: number
  /** Untimed calls first, for the JIT and caches (default 2% of time). */
  warmupOps?: number
  /** Record each call's latency (adds a timer read per call). */
  latency?: boolean
}

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
}

/** Calls `fn(i)` repeatedly; `fn` may return a promise, which is awaited. */
export async function measure(
  name: string,
  fn: (i: number) => unknown,
  opts: MeasureOptions = {},
): Promise<Measurement> {
  const seconds = opts.seconds ?? 2
  const maxOps = opts.maxOps ?? Number.POSITIVE_INFINITY
  const warmup = opts.warmupOps ?? 50
  for (let i = 0; i < warmup; i++) await fn(i)
  const latencies: number[] = []
  const start = performance.now()
  const deadline = start + seconds * 1000
  let ops = 0
  // Check the clock every call only when timing each call; else every 64 calls.
  while (ops < maxOps) {
    const t0 = opts.latency ? performance.now() : 0
    const r = fn(ops)
    if (r instanceof Promise) await r
    ops++
    if (opts.latency) {
      const t1 = performance.now()
      latencies.push(t1 - t0)
      if (t1 > deadline) break
    } else if ((ops & 63) === 0 && performance.now() > deadline) break
  }
  const elapsed = (performance.now() - start) / 1000
  latencies.sort((a, b) => a - b)
  return {
    name,
    ops,
    seconds: elapsed,
    opsPerSec: ops / elapsed,
    ...(opts.latency ? { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) } : {}),
  }
}

export function memoryMiB(): { rss: number; heapUsed: number } {
  const m = process.memoryUsage()
  return { rss: Math.round(m.rss / 2 ** 20), heapUsed: Math.round(m.heapUsed / 2 ** 20) }
}

function fmt(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2)
}

/** Prints one result line; with a baseline, adds the ratio `result / baseline`. */
export function report(m: Measurement, baseline?: Measurement, unit = 'ops/s'): void {
  const parts = [`${m.name.padEnd(48)} ${fmt(m.opsPerSec).padStart(12)} ${unit}`]
  if (m.p50 !== undefined) parts.push(`p50 ${m.p50.toFixed(3)} ms  p99 ${m.p99!.toFixed(3)} ms`)
  if (baseline) parts.push(`ratio ${(m.opsPerSec / baseline.opsPerSec).toFixed(2)}x vs ${baseline.name}`)
  console.log(parts.join('  '))
}

export function heading(title: string): void {
  const mem = memoryMiB()
  console.log(`\n## ${title}  (node ${process.version}, rss ${mem.rss} MiB)`)
}

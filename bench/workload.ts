// Deterministic workload pieces the benchmarks share, so runs (and cached streams) compare
// across runs and versions of the code.

/** xorshift32: a seeded generator of numbers in [0, 1). */
export function xorshift32(seed: number): () => number {
  let s = seed
  return () => {
    s ^= s << 13
    s ^= s >>> 17
    s ^= s << 5
    return (s >>> 0) / 2 ** 32
  }
}

// P(n) ∝ 1/n² over 1..10 (mean ≈ 1.9): most commits on the live network carry one record.
const ZIPF = Array.from({ length: 10 }, (_, i) => 1 / (i + 1) ** 2)
const ZIPF_TOTAL = ZIPF.reduce((a, b) => a + b, 0)

/** Ops in one commit, 1..10 with P(n) ∝ 1/n², drawn from `rand`. */
export function zipfOps(rand: () => number): number {
  let r = rand() * ZIPF_TOTAL
  for (let i = 0; i < ZIPF.length; i++) {
    r -= ZIPF[i]
    if (r < 0) return i + 1
  }
  return ZIPF.length
}

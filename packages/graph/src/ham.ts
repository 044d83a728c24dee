// HAM conflict resolution for one property, as a total order on (state, value, signature):
// the greatest update wins on every replica whatever the delivery order, which makes merge
// commutative, associative and idempotent. The skew bound (deferral) is applied before this
// by the graph, so the function is pure. README.md, "Conflict resolution".
import type { Value } from './value.js'
import { lexical, sameValue } from './value.js'

export interface Versioned {
  readonly value: Value
  readonly state: number
  readonly sig?: Uint8Array | null
}

/** Positive when `a` wins over `b`, negative when `b` wins, 0 when they are the same write. */
export function hamCompare(a: Versioned, b: Versioned): number {
  if (a.state !== b.state) return a.state > b.state ? 1 : -1
  return tieBreak(a, b)
}

/** Equal states: the greater JSON text wins (GUN's rule), then the greater signature. */
export function tieBreak(a: Versioned, b: Versioned): number {
  if (!sameValue(a.value, b.value)) {
    const la = lexical(a.value)
    const lb = lexical(b.value)
    if (la !== lb) return la > lb ? 1 : -1
  }
  return compareSigs(a.sig ?? null, b.sig ?? null)
}

/** Two signatures by one key over one payload (ECDSA is randomised) must still converge. */
function compareSigs(a: Uint8Array | null, b: Uint8Array | null): number {
  if (a === b) return 0
  if (a === null) return -1
  if (b === null) return 1
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] > b[i] ? 1 : -1
  return a.length - b.length
}

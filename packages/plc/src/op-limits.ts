// Per-DID caps on accepted operations, counted from the DID's stored log (its `createdAt`s), so
// they need no state of their own and hold across processes sharing one database. The public
// directory (did-method-plc) added the same kind of "basic rate limits"; as there, an op that
// nullifies others (a recovery within the 72 h window) is never refused, or a key thief could
// spend the DID's budget and lock its owner out of recovering it.
import { RateLimitedError } from './errors.js'
import type { StoredOp } from './store/types.js'

const HOUR_MS = 3_600_000

/** Most ops a DID may have accepted in each trailing window; 0 or absent turns a window off. */
export interface OpRateLimits {
  perHour?: number
  perDay?: number
  perWeek?: number
}

export const DEFAULT_OP_RATE_LIMITS: Readonly<Required<OpRateLimits>> = Object.freeze({
  perHour: 10,
  perDay: 30,
  perWeek: 100,
})

const WINDOWS = [
  { key: 'perHour', ms: HOUR_MS, name: 'hour' },
  { key: 'perDay', ms: 24 * HOUR_MS, name: 'day' },
  { key: 'perWeek', ms: 7 * 24 * HOUR_MS, name: 'week' },
] as const

/**
 * Throws RateLimitedError when one more op would exceed a window at time `now` (ms). Every
 * stored op counts, genesis and nullified ones included: they were all accepted work.
 * Must run on the history read inside the DID's write transaction, or two racing writers could
 * both see room for one more.
 */
export function assertOpRate(
  did: string,
  history: readonly Pick<StoredOp, 'createdAt'>[],
  now: number,
  limits: OpRateLimits,
): void {
  let refusal: { name: string; max: number; waitMs: number } | undefined
  for (const w of WINDOWS) {
    const max = limits[w.key] ?? 0
    if (!(max > 0)) continue
    // An op counts while it is younger than the window; history is in seq (so createdAt) order.
    const inWindow: number[] = []
    for (const op of history) {
      const t = Date.parse(op.createdAt)
      if (now - t < w.ms) inWindow.push(t)
    }
    if (inWindow.length < max) continue
    // Room for one more once all but max - 1 of them have aged out.
    const waitMs = inWindow[inWindow.length - max] + w.ms - now
    if (!refusal || waitMs > refusal.waitMs) refusal = { name: w.name, max, waitMs }
  }
  if (refusal) {
    throw new RateLimitedError(
      `${did} has reached its limit of ${refusal.max} operations per ${refusal.name}; retry later`,
      refusal.waitMs / 1000,
    )
  }
}

// Reconnect delays: exponential, capped, with jitter so many consumers of one restarted server
// do not reconnect in lockstep.

export interface BackoffOptions {
  /** First delay (default 250 ms). */
  minDelayMs?: number
  /** Cap (default 30 s). */
  maxDelayMs?: number
  /** Growth per failed attempt (default 2). */
  factor?: number
}

/** Delay before reconnect attempt `attempt` (0-based): uniform in [d/2, d] for d = min(max, min * factor^attempt). */
export function backoffDelay(
  attempt: number,
  opts: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  const min = opts.minDelayMs ?? 250
  const max = opts.maxDelayMs ?? 30_000
  const factor = opts.factor ?? 2
  const d = Math.min(max, min * factor ** Math.min(attempt, 64))
  return d / 2 + random() * (d / 2)
}

/** Resolves after `ms`, or as soon as `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve()
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
  })
}

// In-memory token buckets, keyed by whatever the caller chooses (an IP, a DID). A bucket holds up
// to `points` tokens and refills continuously at `points` per `durationMs`, so bursts up to the
// capacity pass and the long-run rate is bounded. Memory is bounded by `maxKeys`: buckets are
// kept in least-recently-used order, idle ones (refilled to full, so indistinguishable from a new
// bucket) are dropped first, and past the cap the least recently seen key is forgotten, so a
// flood of distinct keys costs a fixed amount of memory.
import type { IncomingMessage } from 'node:http'
import { RateLimitExceededError, XrpcConfigError } from './errors.js'

export interface RateLimiterOptions {
  /** Capacity of a bucket, and how many tokens it regains per `durationMs`. */
  points: number
  durationMs: number
  /** Most buckets held at once (default 100,000); idle ones go first, then the least recently used. */
  maxKeys?: number
  /** Clock in milliseconds, for tests. */
  now?: () => number
}

export interface RateLimitResult {
  allowed: boolean
  limit: number
  /** Whole tokens left after this call. */
  remaining: number
  /** Until the bucket is full again. */
  resetMs: number
  /** Until this call would have been allowed (0 when it was). */
  retryAfterMs: number
  /** `RateLimit-Policy` value, e.g. `100;w=60`. */
  policy: string
}

interface Bucket {
  tokens: number
  at: number
}

export class RateLimiter {
  readonly points: number
  readonly durationMs: number
  readonly #rate: number
  readonly #maxKeys: number
  readonly #now: () => number
  readonly #policy: string
  readonly #buckets = new Map<string, Bucket>()

  constructor(opts: RateLimiterOptions) {
    if (!(opts.points > 0) || !(opts.durationMs > 0))
      throw new XrpcConfigError('RateLimiter: points and durationMs must be positive')
    this.points = opts.points
    this.durationMs = opts.durationMs
    this.#rate = opts.points / opts.durationMs
    this.#maxKeys = opts.maxKeys ?? 100_000
    this.#now = opts.now ?? Date.now
    this.#policy = `${opts.points};w=${Math.max(1, Math.round(opts.durationMs / 1000))}`
  }

  /** Takes `cost` tokens from `key`'s bucket if it has them. */
  consume(key: string, cost = 1): RateLimitResult {
    const now = this.#now()
    this.#dropIdle(now)
    let bucket = this.#buckets.get(key)
    if (bucket === undefined) {
      if (this.#buckets.size >= this.#maxKeys) {
        const oldest = this.#buckets.keys().next()
        if (!oldest.done) this.#buckets.delete(oldest.value)
      }
      bucket = { tokens: this.points, at: now }
    } else {
      // Insertion order is recency order: a bucket moves to the end whenever it is used.
      this.#buckets.delete(key)
      bucket.tokens = Math.min(this.points, bucket.tokens + (now - bucket.at) * this.#rate)
      bucket.at = now
    }
    this.#buckets.set(key, bucket)
    const allowed = bucket.tokens >= cost
    if (allowed) bucket.tokens -= cost
    return {
      allowed,
      limit: this.points,
      remaining: Math.floor(bucket.tokens),
      resetMs: Math.ceil((this.points - bucket.tokens) / this.#rate),
      retryAfterMs: allowed ? 0 : Math.ceil((cost - bucket.tokens) / this.#rate),
      policy: this.#policy,
    }
  }

  /** Number of buckets held. */
  get size(): number {
    return this.#buckets.size
  }

  /** Forgets buckets that have refilled; the least recently used come first, so this stops early. */
  #dropIdle(now: number): void {
    for (const [key, b] of this.#buckets) {
      if (b.tokens + (now - b.at) * this.#rate < this.points) return
      this.#buckets.delete(key)
    }
  }
}

export interface RateLimitContext {
  nsid: string
  req: IncomingMessage
  params: Record<string, unknown>
  auth: unknown
}

/**
 * A limiter applied to requests. Buckets are shared by every method using the same limiter, so
 * give each method its own limiter for a per-method limit. `key` returning undefined exempts the
 * request.
 */
export interface RateLimit {
  limiter: RateLimiter
  /** Default: the client's IP address. */
  key?: (ctx: RateLimitContext) => string | undefined
  cost?: number
}

function headersFor(r: RateLimitResult): Record<string, string> {
  return {
    'RateLimit-Limit': String(r.limit),
    'RateLimit-Remaining': String(r.remaining),
    'RateLimit-Reset': String(Math.ceil(r.resetMs / 1000)),
    'RateLimit-Policy': r.policy,
  }
}

const ipOf = (ctx: RateLimitContext): string => ctx.req.socket.remoteAddress ?? 'unknown'

/**
 * Applies every limit; throws RateLimitExceededError (429 with Retry-After) on the first that
 * refuses, else returns the headers of the tightest one for the response.
 */
export function applyRateLimits(limits: readonly RateLimit[], ctx: RateLimitContext): Record<string, string> {
  let tightest: RateLimitResult | undefined
  for (const limit of limits) {
    const key = (limit.key ?? ipOf)(ctx)
    if (key === undefined) continue
    const r = limit.limiter.consume(key, limit.cost ?? 1)
    if (!r.allowed) {
      const headers = headersFor(r)
      headers['Retry-After'] = String(Math.max(1, Math.ceil(r.retryAfterMs / 1000)))
      throw new RateLimitExceededError(`Rate limit exceeded, retry in ${headers['Retry-After']} s`, {
        headers,
      })
    }
    if (tightest === undefined || r.remaining / r.limit < tightest.remaining / tightest.limit) tightest = r
  }
  return tightest ? headersFor(tightest) : {}
}

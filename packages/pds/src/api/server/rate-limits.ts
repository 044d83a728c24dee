// Per-IP limits on the methods that are costly or guessable (password checks, sign-ups), in the
// official PDS's amounts, when PDS_RATE_LIMITS_ENABLED is set. PDS_RATE_LIMIT_BYPASS_KEY in an
// `x-ratelimit-bypass` header exempts a request (for the operator's own tools). Behind a
// reverse proxy every request comes from the proxy's address: limit there instead.
import { type RateLimit, type RateLimitContext, RateLimiter, safeEqual } from '@welkin/xrpc'
import type { PdsContext } from '../../context.js'

export const MINUTE = 60_000
export const DAY = 24 * 60 * MINUTE

export function rateLimits(
  ctx: PdsContext,
  ...windows: { points: number; durationMs: number }[]
): RateLimit[] | undefined {
  const cfg = ctx.config.rateLimits
  if (!cfg.enabled) return undefined
  const bypass = cfg.bypassKey
  const key = ({ req }: RateLimitContext) => {
    const given = req.headers['x-ratelimit-bypass']
    if (bypass !== undefined && typeof given === 'string' && safeEqual(given, bypass)) return undefined
    return req.socket.remoteAddress ?? 'unknown'
  }
  return windows.map((w) => ({ limiter: new RateLimiter(w), key }))
}

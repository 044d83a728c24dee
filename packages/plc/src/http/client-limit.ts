// The directory's limit on writes: a token bucket per client address (xrpc's RateLimiter, the
// one bucket implementation in Welkin, with its bounded, least-recently-used memory): each POST
// takes a token, tokens refill at `perSecond` up to `burst`, and at most `maxClients` buckets are
// held, so a flood of distinct addresses costs a fixed amount of memory, never more.
import type { IncomingMessage } from 'node:http'
import { isIPv4, isIPv6 } from 'node:net'
import { RateLimiter } from '@welkin/xrpc/rate-limit'

export interface ClientRateLimit {
  /** Sustained POSTs per second per client (default 60). */
  perSecond?: number
  /** POSTs a client may send at once after being idle (default 300). */
  burst?: number
  /** Most clients remembered at once (default 10,000, about a megabyte). */
  maxClients?: number
}

export const DEFAULT_CLIENT_RATE_LIMIT: Readonly<Required<ClientRateLimit>> = Object.freeze({
  perSecond: 60,
  burst: 300,
  maxClients: 10_000,
})

export class ClientRateLimiter {
  readonly #buckets: RateLimiter

  constructor(opts: ClientRateLimit = {}, clock: () => number = Date.now) {
    const { perSecond, burst, maxClients } = { ...DEFAULT_CLIENT_RATE_LIMIT, ...opts }
    if (!(perSecond > 0) || !(burst >= 1) || !(maxClients >= 1)) {
      throw new RangeError('client rate limit: perSecond > 0, burst >= 1 and maxClients >= 1 are required')
    }
    this.#buckets = new RateLimiter({
      points: burst,
      durationMs: (burst / perSecond) * 1000,
      maxKeys: Math.floor(maxClients),
      now: clock,
    })
  }

  /** Takes a token for `client`: 0 when allowed, else the seconds until one is available. */
  take(client: string): number {
    const { allowed, retryAfterMs } = this.#buckets.consume(client)
    return allowed ? 0 : Math.max(1, Math.ceil(retryAfterMs / 1000))
  }

  /** Clients currently remembered (for tests and metrics). */
  get size(): number {
    return this.#buckets.size
  }
}

/**
 * The address a request is limited by. Without `trustedProxies` it is the socket's peer, and
 * X-Forwarded-For is ignored (any client can write it). Behind N reverse proxies, each appends
 * the address it received the request from, so the client is the Nth entry from the right;
 * entries further left were written by the client and are not believed.
 * IPv6 clients are grouped by /64, the block one subscriber usually holds.
 */
export function clientAddress(req: IncomingMessage, trustedProxies = 0): string {
  let address = req.socket.remoteAddress ?? 'unknown'
  const forwarded = req.headers['x-forwarded-for']
  if (trustedProxies > 0 && forwarded !== undefined) {
    const hops = (Array.isArray(forwarded) ? forwarded.join(',') : forwarded)
      .split(',')
      .map((h) => h.trim())
      .filter((h) => h !== '')
    const hop = hops[Math.max(0, hops.length - trustedProxies)]
    if (hop !== undefined) address = hop
  }
  return addressKey(address)
}

/** Canonical key of an address: IPv4 as is (also when IPv4-mapped), IPv6 as its /64 prefix. */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  if (mapped && isIPv4(mapped[1])) return mapped[1]
  if (isIPv4(address)) return address
  const bare = address.replace(/%.*$/, '')
  if (!isIPv6(bare)) return address.slice(0, 64)
  return `${expandIPv6(bare).slice(0, 4).join(':')}::/64`
}

/** The eight 16-bit groups of a valid IPv6 address, without leading zeros. */
function expandIPv6(address: string): string[] {
  // A trailing dotted quad (::1.2.3.4) stands for the last two groups.
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address)
  let text = address
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number)
    text = `${address.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const [head, tail] = text.split('::')
  const left = head ? head.split(':') : []
  const right = tail ? tail.split(':') : []
  const zeros = tail === undefined ? [] : Array(8 - left.length - right.length).fill('0')
  return [...left, ...zeros, ...right].map((g) => Number.parseInt(g, 16).toString(16))
}

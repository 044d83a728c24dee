import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { XrpcConfigError } from './errors.js'
import { RateLimiter } from './rate-limit.js'
import { type Running, rawExchange, rawStatus, startServer } from './testing.js'

describe('RateLimiter', () => {
  it('allows a burst up to capacity, then refills at the configured rate', () => {
    let now = 0
    const limiter = new RateLimiter({ points: 3, durationMs: 3000, now: () => now })
    expect([1, 2, 3].map(() => limiter.consume('a').allowed)).toEqual([true, true, true])
    const refused = limiter.consume('a')
    expect(refused).toMatchObject({ allowed: false, remaining: 0, limit: 3, policy: '3;w=3' })
    expect(refused.retryAfterMs).toBe(1000)
    expect(limiter.consume('b').allowed).toBe(true) // keys are independent
    now = 999
    expect(limiter.consume('a').allowed).toBe(false)
    now = 1000
    expect(limiter.consume('a')).toMatchObject({ allowed: true, remaining: 0 })
    now = 100_000
    expect(limiter.consume('a')).toMatchObject({ allowed: true, remaining: 2, resetMs: 1000 })
  })

  it('charges a cost and refuses what can never fit', () => {
    const limiter = new RateLimiter({ points: 10, durationMs: 1000, now: () => 0 })
    expect(limiter.consume('k', 7).remaining).toBe(3)
    expect(limiter.consume('k', 4).allowed).toBe(false)
    expect(limiter.consume('k', 3).allowed).toBe(true)
    expect(limiter.consume('other', 11).allowed).toBe(false)
  })

  it('keeps memory bounded when keys are endless', () => {
    let now = 0
    const limiter = new RateLimiter({ points: 5, durationMs: 1000, maxKeys: 1000, now: () => now })
    for (let i = 0; i < 50_000; i++) {
      now = i // many keys stay drained, so eviction must drop live buckets too
      limiter.consume(`ip-${i}`, 5)
      if (limiter.size > 1000) throw new Error(`${limiter.size} buckets after ${i} keys`)
    }
    expect(limiter.size).toBeGreaterThan(800)
  })

  it('refuses nonsense settings', () => {
    expect(() => new RateLimiter({ points: 0, durationMs: 1000 })).toThrow(XrpcConfigError)
    expect(() => new RateLimiter({ points: 1, durationMs: Number.NaN })).toThrow(XrpcConfigError)
  })
})

describe('rate limits on methods', () => {
  let srv: Running
  beforeAll(async () => {
    const perDid = new RateLimiter({ points: 2, durationMs: 60_000 })
    const global = new RateLimiter({ points: 5, durationMs: 60_000 })
    srv = await startServer(
      (x) => {
        x.method('com.example.limited', () => ({ encoding: 'application/json', body: {} }), {
          type: 'query',
          auth: ({ req }) => ({ did: String(req.headers['x-did'] ?? 'anon') }),
          rateLimit: { limiter: perDid, key: ({ auth }) => (auth as { did: string }).did },
        })
        x.method('com.example.exempt', () => ({ encoding: 'application/json', body: {} }), {
          type: 'query',
          rateLimit: { limiter: new RateLimiter({ points: 1, durationMs: 60_000 }), key: () => undefined },
        })
        x.subscription('com.example.stream', async function* () {
          yield new Uint8Array(0)
        })
      },
      {
        rateLimit: {
          limiter: global,
          key: ({ req }) => (req.headers['x-did'] === 'vip' ? undefined : 'everyone'),
        },
      },
    )
  })
  afterAll(() => srv.close())

  const call = (did: string, nsid = 'com.example.limited') =>
    fetch(`${srv.url}/xrpc/${nsid}`, { headers: { 'x-did': did } })

  it('limits per key with RateLimit headers, and 429 with Retry-After', async () => {
    const first = await call('did:a')
    expect(first.status).toBe(200)
    expect(first.headers.get('ratelimit-limit')).toBe('2')
    expect(first.headers.get('ratelimit-remaining')).toBe('1')
    expect(first.headers.get('ratelimit-policy')).toBe('2;w=60')
    expect((await call('did:a')).status).toBe(200)
    const refused = await call('did:a')
    expect(refused.status).toBe(429)
    expect(refused.headers.get('retry-after')).toBe('30')
    expect(((await refused.json()) as { error: string }).error).toBe('RateLimitExceeded')
    expect((await call('did:b')).status).toBe(200)
  })

  it('applies the server-wide limit across methods and keys, and skips exempt requests', async () => {
    // The global bucket allows 5 in all; each of the four calls above took one, the 429 included.
    expect((await call('did:c')).status).toBe(200)
    const over = await call('did:d')
    expect(over.status).toBe(429)
    expect(over.headers.get('ratelimit-limit')).toBe('5')
    expect((await call('vip', 'com.example.exempt')).status).toBe(200)
    expect((await call('vip', 'com.example.exempt')).status).toBe(200)
  })

  it('refuses a stream over the limit with a plain HTTP 429', async () => {
    // The server-wide bucket was emptied by the tests above.
    const answer = await rawExchange(
      srv.port,
      'GET /xrpc/com.example.stream HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    )
    expect(rawStatus(answer)).toBe(429)
    expect(answer).toMatch(/Retry-After: \d+/)
  })
})

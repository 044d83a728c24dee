// The per-client POST limit: the token bucket with an injected clock, its memory bound under a
// flood of addresses, and the limit on a real server on loopback.
import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PlcDirectory } from '../directory.js'
import { openSqliteStore } from '../store/sqlite.js'
import { TestAccount } from '../testing.js'
import { addressKey, ClientRateLimiter } from './client-limit.js'
import { type PlcServer, startPlcServer } from './server.js'

describe('ClientRateLimiter', () => {
  it('allows a burst, then refills at the sustained rate', () => {
    let now = 1_000_000
    const limiter = new ClientRateLimiter({ perSecond: 2, burst: 5 }, () => now)
    for (let i = 0; i < 5; i++) expect(limiter.take('a')).toBe(0)
    expect(limiter.take('a')).toBe(1)
    expect(limiter.take('b')).toBe(0) // clients are independent
    now += 499
    expect(limiter.take('a')).toBe(1)
    now += 1
    expect(limiter.take('a')).toBe(0)
    expect(limiter.take('a')).toBe(1)
    now += 10_000 // a long pause refills to the burst, no further
    for (let i = 0; i < 5; i++) expect(limiter.take('a')).toBe(0)
    expect(limiter.take('a')).toBeGreaterThan(0)
  })

  it('says how long to wait when the rate is slow', () => {
    const limiter = new ClientRateLimiter({ perSecond: 0.1, burst: 1 }, () => 0)
    expect(limiter.take('a')).toBe(0)
    expect(limiter.take('a')).toBe(10)
  })

  it('stays within maxClients under a flood of distinct addresses, and still limits', () => {
    let now = 0
    const limiter = new ClientRateLimiter({ perSecond: 1, burst: 2, maxClients: 1000 }, () => now)
    expect(limiter.take('victim')).toBe(0)
    expect(limiter.take('victim')).toBe(0)
    let largest = 0
    for (let i = 0; i < 200_000; i++) {
      limiter.take(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`)
      largest = Math.max(largest, limiter.size)
      if (i % 1000 === 0) now += 1
    }
    expect(largest).toBe(1000)
    expect(limiter.size).toBe(1000)
    // The flood pushed the victim out: it starts again from a full bucket (the price of a bound).
    expect(limiter.take('victim')).toBe(0)
    // Only refilled buckets are dropped early: a spent one is remembered while there is room.
    const busy = new ClientRateLimiter({ perSecond: 1, burst: 1, maxClients: 10 }, () => now)
    expect(busy.take('a')).toBe(0)
    for (let i = 0; i < 5; i++) busy.take(`x${i}`)
    expect(busy.take('a')).toBe(1)
  })

  it('forgets idle clients, whose buckets have refilled, before anyone else', () => {
    let now = 0
    const limiter = new ClientRateLimiter({ perSecond: 10, burst: 10 }, () => now)
    for (let i = 0; i < 500; i++) limiter.take(`c${i}`)
    expect(limiter.size).toBe(500)
    now += 200 // 0.1 s refills one token: every bucket is full again
    limiter.take('late')
    expect(limiter.size).toBe(1)
  })

  it('refuses nonsense settings', () => {
    expect(() => new ClientRateLimiter({ perSecond: 0 })).toThrow(RangeError)
    expect(() => new ClientRateLimiter({ burst: 0.5 })).toThrow(RangeError)
  })
})

describe('addressKey', () => {
  it('keys IPv4 (also mapped) by address and IPv6 by /64', () => {
    expect(addressKey('192.0.2.7')).toBe('192.0.2.7')
    expect(addressKey('::ffff:192.0.2.7')).toBe('192.0.2.7')
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64')
    expect(addressKey('2001:0db8:0001:0002:ffff:1:2:3')).toBe('2001:db8:1:2::/64')
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64')
    expect(addressKey('::1')).toBe('0:0:0:0::/64')
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64')
    expect(addressKey('::7f00:1')).toBe(addressKey('::127.0.0.1'))
    expect(addressKey('not an address')).toBe('not an address')
  })
})

describe('per-client POST limit over HTTP', () => {
  const store = openSqliteStore({ path: ':memory:' })
  const dir = new PlcDirectory(store)
  let direct: PlcServer
  let proxied: PlcServer
  let unlimited: PlcServer
  let account: TestAccount

  beforeAll(async () => {
    // A slow refill (one token per 1000 s) so that the test's own pace does not matter.
    const postRateLimit = { perSecond: 0.001, burst: 3 }
    direct = await startPlcServer(dir, { port: 0, postRateLimit })
    proxied = await startPlcServer(dir, { port: 0, postRateLimit, trustedProxies: 1 })
    unlimited = await startPlcServer(dir, { port: 0, postRateLimit: false })
    account = await TestAccount.create()
  })

  afterAll(async () => {
    await Promise.all([direct?.close(), proxied?.close(), unlimited?.close()])
    await store.close()
  })

  const post = (server: PlcServer, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${server.url}/${account.did}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    })

  it('answers 429 with Retry-After and {error, message} past the burst, and keeps serving reads', async () => {
    const statuses: number[] = []
    for (let i = 0; i < 3; i++) {
      const res = await post(direct, { junk: i }, { 'x-forwarded-for': `198.51.100.${i}` })
      statuses.push(res.status)
      await res.arrayBuffer()
    }
    expect(statuses).toEqual([400, 400, 400]) // counted whatever the verdict
    const res = await post(direct, account.genesis)
    expect(res.status).toBe(429)
    expect(res.headers.get('retry-after')).toBe('1000')
    expect(res.headers.get('connection')).toBe('close')
    const body = await res.json()
    expect(body.error).toBe('RateLimitExceeded')
    expect(body.message).toMatch(/too many requests/)
    expect((await fetch(`${direct.url}/${account.did}`)).status).toBe(404) // not stored
    expect((await fetch(`${direct.url}/_health`)).status).toBe(200)
  })

  it('believes X-Forwarded-For only from the configured proxies, and only its last hop', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await post(proxied, { junk: i }, { 'x-forwarded-for': '203.0.113.9, 192.0.2.1' })
      expect(res.status).toBe(400)
      await res.arrayBuffer()
    }
    // The same client lying about its origin in the left part of the header gains nothing.
    const spoofed = await post(proxied, { junk: 'x' }, { 'x-forwarded-for': '10.9.9.9, 192.0.2.1' })
    expect(spoofed.status).toBe(429)
    await spoofed.arrayBuffer()
    // Another client behind the proxy has its own bucket.
    const other = await post(proxied, account.genesis, { 'x-forwarded-for': '192.0.2.2' })
    expect(other.status).toBe(200)
    await other.arrayBuffer()
  })

  it('can be turned off', async () => {
    for (let i = 0; i < 10; i++) {
      const res = await post(unlimited, { junk: i })
      expect(res.status).toBe(400)
      await res.arrayBuffer()
    }
  })

  it('refuses before reading the body', async () => {
    // Use up the bucket of this loopback client on `direct` (already spent by the first test).
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${direct.url}/${account.did}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': '50000' },
      })
      req.on('response', (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      })
      req.on('error', reject)
      req.write('{') // the rest never comes: a server waiting for it would time out the test
    })
    expect(status).toBe(429)
  })
})

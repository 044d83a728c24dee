// The requestCrawl notifier: throttled to one round per interval, fire and forget, and wired to
// the PDS's event stream through registerSyncApi.
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { openPlcStore, PlcDirectory, type PlcServer, startPlcServer } from '@welkin/plc'
import { afterEach, describe, expect, it } from 'vitest'
import { startHarness } from './api/repo/harness.js'
import { CrawlerNotifier, crawlHostname } from './crawlers.js'

interface FakeRelay {
  url: string
  requests: { path: string; body: unknown }[]
  close(): Promise<void>
}

async function fakeRelay(answer: (req: IncomingMessage) => number | 'hang' = () => 200): Promise<FakeRelay> {
  const requests: FakeRelay['requests'] = []
  const server: Server = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => {
      body += c
    })
    req.on('end', () => {
      requests.push({ path: req.url ?? '', body: JSON.parse(body || 'null') })
      const status = answer(req)
      if (status === 'hang') return
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end('{}')
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections()
        server.close(() => r())
      }),
  }
}

const cleanups: (() => Promise<unknown> | unknown)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 10))
  }
}

describe('crawlHostname', () => {
  it('is PDS_HOSTNAME for a public host and localhost:PORT for a local one', () => {
    expect(crawlHostname({ hostname: 'pds.example.com', publicUrl: 'https://pds.example.com' })).toBe(
      'pds.example.com',
    )
    expect(crawlHostname({ hostname: 'localhost', publicUrl: 'http://localhost:2583' })).toBe(
      'localhost:2583',
    )
    expect(crawlHostname({ hostname: '127.0.0.1', publicUrl: 'http://127.0.0.1:41234' })).toBe(
      '127.0.0.1:41234',
    )
    expect(crawlHostname({ hostname: 'pds.localhost', publicUrl: 'http://pds.localhost:80' })).toBe(
      'pds.localhost:80',
    )
  })
})

describe('CrawlerNotifier', () => {
  it('asks every crawler at the first event, then at most once per interval', async () => {
    const a = await fakeRelay()
    const b = await fakeRelay()
    cleanups.push(a.close, b.close)
    let now = 1_000_000
    const n = new CrawlerNotifier({
      hostname: 'pds.example.com',
      crawlers: [a.url, `${b.url}/`],
      intervalMs: 60_000,
      now: () => now,
    })
    cleanups.push(() => n.close())
    n.notifyOfUpdate()
    n.notifyOfUpdate()
    await until(() => a.requests.length === 1 && b.requests.length === 1)
    expect(a.requests[0]).toEqual({
      path: '/xrpc/com.atproto.sync.requestCrawl',
      body: { hostname: 'pds.example.com' },
    })
    expect(b.requests[0].path).toBe('/xrpc/com.atproto.sync.requestCrawl')
    now += 59_000
    n.notifyOfUpdate()
    await new Promise((r) => setTimeout(r, 100))
    expect(a.requests.length).toBe(1)
    now += 2_000
    n.notifyOfUpdate()
    await until(() => a.requests.length === 2 && b.requests.length === 2)
  })

  it('never throws: refusals, dead hosts and hanging hosts are logged', async () => {
    const refusing = await fakeRelay(() => 500)
    const hanging = await fakeRelay(() => 'hang')
    const dead = await fakeRelay()
    await dead.close()
    cleanups.push(refusing.close, hanging.close)
    const logged: string[] = []
    const n = new CrawlerNotifier({
      hostname: 'pds.example.com',
      crawlers: [refusing.url, hanging.url, dead.url],
      timeoutMs: 200,
      log: (msg, fields) => logged.push(`${msg} ${String(fields?.crawler)}`),
    })
    expect(() => n.notifyOfUpdate()).not.toThrow()
    const t0 = Date.now()
    await n.requestCrawls()
    expect(Date.now() - t0).toBeLessThan(5_000)
    expect(logged.some((l) => l.startsWith('requestCrawl refused') && l.endsWith(refusing.url))).toBe(true)
    await until(() => logged.filter((l) => l.startsWith('requestCrawl failed')).length >= 4)
    expect(logged.some((l) => l.endsWith(hanging.url))).toBe(true)
    expect(logged.some((l) => l.endsWith(dead.url))).toBe(true)
  })

  it('is wired to the PDS event stream (PDS_CRAWLERS)', async () => {
    const relay = await fakeRelay()
    const plc: PlcServer = await startPlcServer(new PlcDirectory(await openPlcStore({})), { port: 0 })
    const h = await startHarness(plc.url, { crawlers: [relay.url] })
    cleanups.push(
      relay.close,
      () => plc.close(),
      () => h.close(),
    )
    expect(relay.requests).toEqual([])
    const lee = await h.account('lee')
    await lee.agent.post({ text: 'hello relay', createdAt: new Date().toISOString() })
    await until(() => relay.requests.length === 1)
    // Dev mode on a loopback name: the port the PDS listens on, or the relay could not connect.
    expect(relay.requests[0].body).toEqual({ hostname: `localhost:${new URL(h.url).port}` })
    await new Promise((r) => setTimeout(r, 100))
    expect(relay.requests.length).toBe(1)
  })
})

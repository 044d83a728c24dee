// `welkin relay` and the relay in `welkin up`: the command serves until aborted; the local PDS
// asks the up relay for a crawl, so an account's first post shows up on the relay's stream.
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type RepoMessage, subscribeRepos } from '@welkin/firehose'
import { afterAll, describe, expect, it } from 'vitest'
import { pdsService } from '../up/pds.js'
import { plcService } from '../up/plc.js'
import { relayService } from '../up/relay.js'
import type { RunningService } from '../up/service.js'
import { relayCommand } from './relay.js'
import { startAll, stopAll } from './up.js'

const dirs: string[] = []
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'welkin-cli-relay-'))
  dirs.push(d)
  return d
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

async function freePort(): Promise<number> {
  const srv = createServer()
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  const port = (srv.address() as { port: number }).port
  await new Promise<void>((r) => srv.close(() => r()))
  return port
}

describe('welkin relay', () => {
  it('serves until aborted, on the port and data directory given', async () => {
    const out: string[] = []
    const err: string[] = []
    const ac = new AbortController()
    const data = tmp()
    const running = relayCommand.run({
      argv: [
        '--port',
        '0',
        '--data',
        data,
        '--plc',
        'http://127.0.0.1:9',
        '--allow-loopback',
        '--workers',
        '0',
      ],
      out: (l) => out.push(l),
      err: (l) => err.push(l),
      signal: ac.signal,
    })
    const deadline = Date.now() + 20_000
    while (out.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    const url = /listening on (http:\/\/\S+)/.exec(out[0])![1]
    const health = await fetch(`${url}/xrpc/_health`)
    expect(health.status).toBe(200)
    const hosts = (await (await fetch(`${url}/xrpc/com.atproto.sync.listHosts`)).json()) as {
      hosts: unknown[]
    }
    expect(hosts.hosts).toEqual([])
    ac.abort()
    expect(await running).toBe(0)
    expect(err.join('\n')).toMatch(/admin endpoints disabled/)
  })

  it('refuses a bad flag value', async () => {
    await expect(
      relayCommand.run({
        argv: ['--port', 'x'],
        out: () => {},
        err: () => {},
        signal: new AbortController().signal,
      }),
    ).rejects.toThrow(/--port/)
  })
})

describe('welkin up with the relay', () => {
  let running: RunningService[] = []
  afterAll(async () => {
    await stopAll(running)
  })

  it('is asked by the local PDS to crawl it, so a new account and its first post reach the relay stream', async () => {
    const [plcPort, relayPort, pdsPort] = [await freePort(), await freePort(), await freePort()]
    const log: string[] = []
    running = await startAll(
      [plcService(plcPort), relayService(relayPort, `localhost:${pdsPort}`), pdsService(pdsPort)],
      tmp(),
      (l) => log.push(l),
    )
    const relay = running.find((s) => s.name === 'relay')!
    const pds = running.find((s) => s.name === 'pds')!
    const hosts = async () =>
      ((await (await fetch(`${relay.url}/xrpc/com.atproto.sync.listHosts`)).json()) as { hosts: unknown[] })
        .hosts
    // Nothing is seeded: the relay learns of the PDS only from its requestCrawl.
    expect(await hosts()).toEqual([])
    const got: RepoMessage[] = []
    const ac = new AbortController()
    const sub = subscribeRepos({
      url: `${relay.url.replace('http', 'ws')}/xrpc/com.atproto.sync.subscribeRepos`,
      cursor: () => 0,
      signal: ac.signal,
      onEvent: (e) => {
        got.push(e)
      },
      reconnect: { minDelayMs: 50, maxDelayMs: 200 },
    })
    const created = await fetch(`${pds.url}/xrpc/com.atproto.server.createAccount`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ handle: 'alice.test', email: 'alice@example.com', password: 'change-me' }),
    })
    expect(created.status).toBe(200)
    const { did, accessJwt } = (await created.json()) as { did: string; accessJwt: string }
    const post = await fetch(`${pds.url}/xrpc/com.atproto.repo.createRecord`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${accessJwt}` },
      body: JSON.stringify({
        repo: did,
        collection: 'app.bsky.feed.post',
        record: { $type: 'app.bsky.feed.post', text: 'hello relay', createdAt: new Date().toISOString() },
      }),
    })
    expect(post.status).toBe(200)
    const deadline = Date.now() + 30_000
    const posted = () =>
      got.some(
        (m) =>
          m.t === '#commit' &&
          m.body.repo === did &&
          m.body.ops.some((o) => o.path.startsWith('app.bsky.feed.post/')),
      )
    while (!posted() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    ac.abort()
    await sub.done
    expect(posted()).toBe(true)
    expect(got.some((m) => m.t === '#identity' && m.body.did === did)).toBe(true)
    expect(await hosts()).toEqual([expect.objectContaining({ hostname: `localhost:${pdsPort}` })])
  })
})

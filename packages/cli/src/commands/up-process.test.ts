// `welkin up` as a user runs it (what `npm start` does): one real process on the default ports.
// A fresh data directory gets every service; an account made over plain HTTP writes a post that
// reaches the relay's view of the network; Ctrl-C stops everything within seconds; a second
// start on the same directory keeps the secrets, the account and the post.
import { type ChildProcess, spawn } from 'node:child_process'
import { statSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const bin = resolve(dirname(fileURLToPath(import.meta.url)), '../../bin/welkin.js')
const PLC = 'http://127.0.0.1:2582'
const PDS = 'http://localhost:2583'
const RELAY = 'http://127.0.0.1:2470'
const MESH = 'http://127.0.0.1:7878'

interface Up {
  child: ChildProcess
  /** Everything printed so far, stdout and stderr interleaved. */
  output(): string
  exited: Promise<number | null>
}

async function startUp(dataDir: string): Promise<Up> {
  const child = spawn(process.execPath, [bin, 'up', '--data', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout?.on('data', (b) => {
    out += b
  })
  child.stderr?.on('data', (b) => {
    out += b
  })
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)))
  const deadline = Date.now() + 90_000
  while (!out.includes('Press Ctrl-C') && Date.now() < deadline && child.exitCode === null) {
    await new Promise((r) => setTimeout(r, 100))
  }
  if (!out.includes('Press Ctrl-C')) {
    child.kill('SIGKILL')
    throw new Error(`welkin up did not come up:\n${out}`)
  }
  return { child, output: () => out, exited }
}

async function stopUp(up: Up): Promise<number> {
  const t0 = Date.now()
  up.child.kill('SIGINT')
  const code = await up.exited
  expect(code).toBe(0)
  return Date.now() - t0
}

async function xrpc(
  base: string,
  nsid: string,
  opts: { body?: unknown; token?: string; query?: string } = {},
) {
  const headers: Record<string, string> = {}
  if (opts.body !== undefined) headers['content-type'] = 'application/json'
  if (opts.token) headers.authorization = `Bearer ${opts.token}`
  const res = await fetch(`${base}/xrpc/${nsid}${opts.query ? `?${opts.query}` : ''}`, {
    method: opts.body === undefined ? 'GET' : 'POST',
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  })
  return { status: res.status, body: (await res.json().catch(() => null)) as Record<string, unknown> }
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const got = await probe().catch(() => undefined)
    if (got !== undefined) return got
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

describe('welkin up, as a process', () => {
  let dir: string
  let up: Up | undefined

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'welkin-up-proc-'))
  })
  afterAll(async () => {
    if (up && up.child.exitCode === null) up.child.kill('SIGKILL')
    await rm(dir, { recursive: true, force: true })
  })

  it('runs the whole network, which keeps its data across a Ctrl-C and a restart', async () => {
    const data = join(dir, 'data')
    up = await startUp(data)
    const first = up.output()
    // Every service prints its URL and answers its health check.
    for (const url of [PLC, RELAY, MESH]) expect(first).toContain(url)
    expect(first).toContain('http://localhost:2583')
    for (const base of [PLC, PDS, RELAY]) {
      expect((await fetch(`${base}/xrpc/_health`)).status, base).toBe(200)
    }
    expect((await fetch(`${MESH}/v1/info`)).status).toBe(200)
    // The notes say how to get started: the admin password, how to make an account, the mesh's addresses.
    const adminPassword = /admin: user "admin", password (\S+) \(secrets/.exec(first)?.[1]
    expect(adminPassword).toBeTruthy()
    const relayPassword = /admin: user "admin", password (\S+) \(kept in/.exec(first)?.[1]
    expect(relayPassword).toBeTruthy()
    expect(statSync(join(data, 'relay', 'admin-password')).mode & 0o777).toBe(0o600)
    expect(first).toContain('com.atproto.server.createAccount')
    expect(first).toMatch(/listening on \/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\//)

    // An account and a post, over plain HTTP as the printed curl line does.
    const created = await xrpc(PDS, 'com.atproto.server.createAccount', {
      body: { handle: 'alice.test', email: 'alice@example.com', password: 'change-me' },
    })
    expect(created.status).toBe(200)
    const did = created.body.did as string
    expect(did).toMatch(/^did:plc:/)
    expect((await fetch(`${PLC}/${did}`)).status).toBe(200)
    const post = await xrpc(PDS, 'com.atproto.repo.createRecord', {
      token: created.body.accessJwt as string,
      body: {
        repo: did,
        collection: 'app.bsky.feed.post',
        record: {
          $type: 'app.bsky.feed.post',
          text: 'hello from welkin up',
          createdAt: new Date().toISOString(),
        },
      },
    })
    expect(post.status).toBe(200)

    // The relay crawls the local PDS: its view of the account catches up with the PDS's.
    const pdsHead = await xrpc(PDS, 'com.atproto.sync.getLatestCommit', { query: `did=${did}` })
    expect(pdsHead.status).toBe(200)
    await until('the relay to see the post', async () => {
      const r = await xrpc(RELAY, 'com.atproto.sync.getLatestCommit', { query: `did=${did}` })
      return r.status === 200 && r.body.rev === pdsHead.body.rev ? true : undefined
    })

    // The mesh node takes a write through its API.
    const put = await fetch(`${MESH}/v1/graph/welkin-up-test`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ note: 'kept' }),
    })
    expect(put.status).toBeLessThan(300)

    expect(await stopUp(up)).toBeLessThan(5_000)

    // Second start on the same directory: same secrets, same account, same post, same graph.
    up = await startUp(data)
    expect(up.output()).toContain(`password ${adminPassword} (secrets`)
    expect(up.output()).toContain(`password ${relayPassword} (kept in`)
    const session = await xrpc(PDS, 'com.atproto.server.createSession', {
      body: { identifier: 'alice.test', password: 'change-me' },
    })
    expect(session.status).toBe(200)
    expect(session.body.did).toBe(did)
    const uri = post.body.uri as string
    const rkey = uri.split('/').pop()
    const again = await xrpc(PDS, 'com.atproto.repo.getRecord', {
      query: `repo=${did}&collection=app.bsky.feed.post&rkey=${rkey}`,
    })
    expect(again.status).toBe(200)
    expect((again.body.value as { text: string }).text).toBe('hello from welkin up')
    const node = (await (await fetch(`${MESH}/v1/graph/welkin-up-test`)).json()) as { data: { note: string } }
    expect(node.data.note).toBe('kept')
    expect(await stopUp(up)).toBeLessThan(5_000)
  }, 240_000)
})

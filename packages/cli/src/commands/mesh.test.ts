// `welkin mesh` as an operator runs it: two node processes on loopback, the second joining
// through the first, written to and read from with `welkin mesh keygen|put|get` processes.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  killStragglers,
  runWelkin,
  spawnWelkin,
  type WelkinProcess,
  type WelkinResult,
} from '../testing/cli-process.js'

const dir = mkdtempSync(join(tmpdir(), 'welkin-cli-mesh-'))
afterAll(async () => {
  await killStragglers()
  rmSync(dir, { recursive: true, force: true })
})

interface Node {
  proc: WelkinProcess
  api: string
  peerId: string
}

/** Starts a node on free loopback ports and waits for its banner. */
async function startNode(data: string, bootstrap: string[] = []): Promise<Node> {
  const proc = spawnWelkin([
    'mesh',
    '--data',
    join(dir, data),
    '--listen',
    '/ip4/127.0.0.1/tcp/0',
    '--api-port',
    '0',
    ...bootstrap.flatMap((b) => ['--bootstrap', b]),
  ])
  const [, api] = await proc.waitFor(/HTTP API on (http:\/\/\S+)/, 60_000)
  const peerId = /^welkin mesh (\S+)/.exec(proc.stdout())![1]
  return { proc, api, peerId }
}

/** Runs `welkin mesh get` until it succeeds (the soul has arrived) or the deadline passes. */
async function getWhenArrived(api: string, soul: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const got = await runWelkin(['mesh', 'get', '--api', api, soul])
    if (got.code === 0 || Date.now() > deadline) return got
    await new Promise((r) => setTimeout(r, 250))
  }
}

async function closedPort(): Promise<number> {
  const srv = createServer()
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  const { port } = srv.address() as { port: number }
  await new Promise<void>((r) => srv.close(() => r()))
  return port
}

// Each step starts or runs processes that load libp2p: generous limits for a busy machine.
describe('welkin mesh processes', { timeout: 60_000 }, () => {
  const keyFile = join(dir, 'alice.key.json')
  let a: Node
  let b: Node
  let soul: string
  let publicPut: WelkinResult

  it('keygen prints a did:key and keeps the key in a private file', async () => {
    // The first node boots meanwhile; later tests wait for it.
    const [nodeA, keygen] = await Promise.all([
      startNode('a'),
      runWelkin(['mesh', 'keygen', '--out', keyFile]),
    ])
    a = nodeA
    expect(keygen.code, keygen.stderr).toBe(0)
    const did = keygen.stdout.trim()
    expect(did).toMatch(/^did:key:z[1-9A-HJ-NP-Za-km-z]+$/)
    expect(statSync(keyFile).mode & 0o777).toBe(0o600)
    expect(JSON.parse(readFileSync(keyFile, 'utf8')).did).toBe(did)
    soul = `~${did}`
  })

  it('a signed put on one node reaches a node that joins through it', async () => {
    const info = (await (await fetch(`${a.api}/v1/info`)).json()) as { peerId: string; multiaddrs: string[] }
    expect(info.peerId).toBe(a.peerId)
    expect(info.multiaddrs[0]).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\//)
    // B is given a dead bootstrap address first (nothing listens there) and A's second: one
    // unreachable peer must not keep it from joining. The public write of the next test goes
    // in meanwhile, so B joins with both on A.
    const dead = `/ip4/127.0.0.1/tcp/${await closedPort()}`
    const [nodeB, put, plainPut] = await Promise.all([
      startNode('b', [dead, info.multiaddrs[0]]),
      runWelkin(['mesh', 'put', '--api', a.api, '--key', keyFile, soul, '{"name":"x"}']),
      runWelkin(['mesh', 'put', '--api', a.api, 'notes/1', '{"text":"hello","n":2}']),
    ])
    b = nodeB
    publicPut = plainPut
    expect(put.code, put.stderr).toBe(0)
    expect(JSON.parse(put.stdout)).toMatchObject({ soul, applied: ['name'] })

    const got = await getWhenArrived(b.api, soul)
    expect(got.code, got.stderr).toBe(0)
    const view = JSON.parse(got.stdout)
    expect(view.soul).toBe(soul)
    expect(view.data).toEqual({ name: 'x' })
    expect(view.state.name).toBeTypeOf('number')
    // The dead address was tried, reported in one line, and did not stop the node.
    expect(b.proc.stderr()).toContain(`dialling bootstrap peer ${dead}`)
  })

  it('writes and reads a public soul without a key', async () => {
    expect(publicPut.code, publicPut.stderr).toBe(0)
    expect(JSON.parse(publicPut.stdout)).toMatchObject({ soul: 'notes/1', applied: ['text', 'n'] })
    const got = await getWhenArrived(b.api, 'notes/1')
    expect(got.code, got.stderr).toBe(0)
    expect(JSON.parse(got.stdout).data).toEqual({ text: 'hello', n: 2 })
  })

  it('refuses an unsigned write to a did:key soul, in the CLI and in the API', async () => {
    const unsigned = await runWelkin(['mesh', 'put', '--api', a.api, soul, '{"name":"mallory"}'])
    expect(unsigned.code).toBe(1)
    expect(unsigned.stdout).toBe('')
    expect(unsigned.stderr).toContain(`writing ${soul} needs the key of its owner (--key)`)
    // A client that skips the CLI and sends bare properties is told what is missing.
    const raw = await fetch(`${a.api}/v1/graph/${encodeURIComponent(soul)}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: '{"name":"mallory"}',
    })
    expect(raw.status).toBe(400)
    const body = (await raw.json()) as { error: string; message: string }
    expect(body.error).toBe('SignatureRequired')
    expect(body.message).toMatch(/signed/)
    const view = (await (await fetch(`${a.api}/v1/graph/${encodeURIComponent(soul)}`)).json()) as {
      data: unknown
    }
    expect(view.data).toEqual({ name: 'x' })
  })

  it('reports bad JSON, an unreachable API and an unknown soul in one line each', async () => {
    const port = await closedPort()
    const [badJson, unreachable, missing] = await Promise.all([
      runWelkin(['mesh', 'put', '--api', a.api, 'notes/2', '{"text":']),
      runWelkin(['mesh', 'get', '--api', `http://127.0.0.1:${port}`, 'notes/1']),
      runWelkin(['mesh', 'get', '--api', a.api, 'no/such/soul']),
    ])
    expect(badJson.code).toBe(2)
    expect(badJson.stderr).toMatch(/^welkin mesh: <json> is not JSON: /)
    expect(badJson.stderr).toContain('Usage:')
    expect(unreachable.code).toBe(1)
    expect(unreachable.stderr).toMatch(
      new RegExp(`^welkin mesh: cannot reach http://127\\.0\\.0\\.1:${port}`),
    )
    expect(missing.code).toBe(1)
    expect(missing.stderr).toBe('welkin mesh: the node has no soul "no/such/soul"\n')
    for (const r of [badJson, unreachable, missing]) {
      expect(r.stdout).toBe('')
      expect(r.stderr).not.toMatch(/\n\s+at /) // no stack trace
    }
  })

  it('answers diagnostics and metrics with the peer it joined', async () => {
    const diag = (await (await fetch(`${b.api}/v1/diagnostics`)).json()) as {
      peers: { peerId: string }[]
      topics: { topic: string }[]
    }
    expect(diag.peers.map((p) => p.peerId)).toContain(a.peerId)
    expect(diag.topics.length).toBeGreaterThan(0)
    const metrics = await fetch(`${a.api}/metrics`)
    expect(metrics.status).toBe(200)
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/)
    expect(await metrics.text()).toMatch(/^welkin_mesh_peers [1-9]/m)
  })

  it('stops on Ctrl-C within seconds, and a restarted node keeps its identity and data', async () => {
    const [stopA, stopB] = await Promise.all([a.proc.stop('SIGINT'), b.proc.stop('SIGINT')])
    for (const [node, stop] of [
      [a, stopA],
      [b, stopB],
    ] as const) {
      expect(stop.code, node.proc.stderr()).toBe(0)
      expect(stop.ms).toBeLessThan(10_000)
      expect(node.proc.stderr()).toContain('welkin mesh stopped')
    }
    // Node A is gone, so whatever B answers now comes from its own data directory.
    const again = await startNode('b')
    expect(again.peerId).toBe(b.peerId)
    const signed = await runWelkin(['mesh', 'get', '--api', again.api, soul])
    expect(signed.code, signed.stderr).toBe(0)
    expect(JSON.parse(signed.stdout).data).toEqual({ name: 'x' })
    const plain = (await (await fetch(`${again.api}/v1/graph/notes%2F1`)).json()) as { data: unknown }
    expect(plain.data).toEqual({ text: 'hello', n: 2 })
    expect((await again.proc.stop('SIGINT')).code).toBe(0)
  })
})

// @welkin/xrpc request overhead against a raw node:http server (the ceiling), measured in the same
// run over keep-alive HTTP/1.1 with 1 and 8 concurrent clients. Each server runs in its own child
// process. Besides wall-clock req/s (which the client and other load on the machine colour), it
// prints the server's CPU time per request and the req/s one fully busy server core would give.
// The getRecord and createRecord rows add lexicon validation (@welkin/lexicon) to the layer's cost.
// Run: node --import tsx bench/xrpc.bench.ts
import { fork } from 'node:child_process'
import { Agent, createServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { officialLexicons } from '@welkin/lexicon'
import { createXrpcServer } from '@welkin/xrpc'
import { heading, type Measurement, report } from './harness.js'

const SECONDS = 1
const ROUNDS = 3
const HELLO = JSON.stringify({ hello: 'world' })
const CREATED = {
  uri: 'at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/app.bsky.feed.post/3l6oveex3ii2l',
  cid: 'bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm',
}
const RECORD_BODY = JSON.stringify({
  repo: 'did:plc:ewvi7nxzyoun6zhxrhs64oiz',
  collection: 'app.bsky.feed.post',
  record: {
    $type: 'app.bsky.feed.post',
    text: 'Hello from the benchmark, a post of ordinary length with a #tag and a link.',
    langs: ['en'],
    createdAt: '2024-11-21T07:51:12.345Z',
  },
})

type Kind = 'raw' | 'xrpc'

// ---- server side (child process) ----

async function serve(kind: Kind): Promise<number> {
  if (kind === 'raw') {
    const server = createServer((req, res) => {
      if (req.method === 'POST') {
        const chunks: Buffer[] = []
        req.on('data', (c: Buffer) => chunks.push(c))
        req.on('end', () => {
          JSON.parse(Buffer.concat(chunks).toString('utf8'))
          const body = JSON.stringify(CREATED)
          res.writeHead(200, {
            'Content-Type': 'application/json',
            'Content-Length': Buffer.byteLength(body),
          })
          res.end(body)
        })
        return
      }
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': HELLO.length })
      res.end(HELLO)
    })
    server.keepAliveTimeout = 15_000
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    return (server.address() as AddressInfo).port
  }
  const xrpc = createXrpcServer({
    lexicons: officialLexicons(),
    logger: { error: console.error, warn: console.warn },
  })
  xrpc.method('com.example.bench.hello', () => ({ encoding: 'application/json', body: { hello: 'world' } }), {
    type: 'query',
  })
  xrpc.method('com.atproto.repo.getRecord', ({ params }) => ({
    encoding: 'application/json',
    body: { uri: `at://${params.repo}/${params.collection}/${params.rkey}`, value: { text: 'hi' } },
  }))
  xrpc.method('com.atproto.repo.createRecord', () => ({ encoding: 'application/json', body: CREATED }))
  xrpc.method('com.example.bench.create', () => ({ encoding: 'application/json', body: CREATED }), {
    type: 'procedure',
  })
  return (await xrpc.listen(0)).port
}

// ---- client side ----

interface Target {
  port: number
  method: 'GET' | 'POST'
  path: string
  body?: string
}

function once(agent: Agent, t: Target): Promise<void> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = {}
    if (t.body !== undefined) {
      headers['content-type'] = 'application/json'
      headers['content-length'] = Buffer.byteLength(t.body)
    }
    const req = request(
      { host: '127.0.0.1', port: t.port, method: t.method, path: t.path, agent, headers },
      (res) => {
        if (res.statusCode !== 200) reject(new Error(`${t.path}: HTTP ${res.statusCode}`))
        res.resume()
        res.on('end', resolve)
      },
    )
    req.on('error', reject)
    req.end(t.body)
  })
}

interface Server {
  port: number
  cpuMicros: () => Promise<number>
  stop: () => void
}

interface Loaded extends Measurement {
  /** Server CPU time per request, in microseconds. */
  cpuPerReq: number
}

async function load(
  name: string,
  server: Server,
  t: Omit<Target, 'port'>,
  concurrency: number,
  warmMs: number,
): Promise<Loaded> {
  const target = { ...t, port: server.port }
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency })
  // Warm-up, untimed: JIT, sockets, the server's lexicon caches.
  const warm = performance.now() + warmMs
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < warm) await once(agent, target)
    }),
  )
  const latencies: number[] = []
  const cpu0 = await server.cpuMicros()
  const start = performance.now()
  const deadline = start + SECONDS * 1000
  const worker = async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now()
      await once(agent, target)
      latencies.push(performance.now() - t0)
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  const seconds = (performance.now() - start) / 1000
  const cpu = (await server.cpuMicros()) - cpu0
  agent.destroy()
  latencies.sort((a, b) => a - b)
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]
  const ops = latencies.length
  return { name, ops, seconds, opsPerSec: ops / seconds, p50: q(0.5), p99: q(0.99), cpuPerReq: cpu / ops }
}

/** One line of wall-clock numbers, then the server-CPU view: per-request cost and one-core capacity. */
function show(m: Loaded, baseline?: Loaded): void {
  report(m, baseline, 'req/s')
  const core = 1e6 / m.cpuPerReq
  const parts = [
    `  server CPU ${m.cpuPerReq.toFixed(1)} us/req = ${Math.round(core).toLocaleString('en-US')} req/s per core`,
  ]
  if (baseline) parts.push(`ratio ${(core / (1e6 / baseline.cpuPerReq)).toFixed(2)}x`)
  console.log(parts.join('  '))
}

async function startChild(kind: Kind): Promise<Server> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve', kind], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve(m as number))
    child.once('exit', (code) => reject(new Error(`${kind} server exited with ${code}`)))
  })
  const cpuMicros = () =>
    new Promise<number>((resolve) => {
      child.once('message', (m) => resolve(m as number))
      child.send('cpu')
    })
  return { port, cpuMicros, stop: () => child.kill() }
}

interface Case {
  name: string
  server: Server
  target: Omit<Target, 'port'>
  /** The row this one is compared with. */
  baseline?: string
}

async function main(): Promise<void> {
  const raw = await startChild('raw')
  const xrpc = await startChild('xrpc')
  const hello = { method: 'GET', path: '/xrpc/com.example.bench.hello' } as const
  const create = { method: 'POST', path: '/xrpc/com.atproto.repo.createRecord', body: RECORD_BODY } as const
  const cases: Case[] = [
    { name: 'raw node:http GET (ceiling)', server: raw, target: hello },
    { name: 'xrpc trivial query', server: xrpc, target: hello, baseline: 'raw node:http GET (ceiling)' },
    {
      name: 'xrpc getRecord (lexicon params)',
      server: xrpc,
      target: {
        method: 'GET',
        path: '/xrpc/com.atproto.repo.getRecord?repo=did%3Aplc%3Aewvi7nxzyoun6zhxrhs64oiz&collection=app.bsky.feed.post&rkey=3l6oveex3ii2l',
      },
      baseline: 'raw node:http GET (ceiling)',
    },
    { name: 'raw node:http POST JSON (ceiling)', server: raw, target: create },
    {
      name: 'xrpc small JSON procedure',
      server: xrpc,
      target: { ...create, path: '/xrpc/com.example.bench.create' },
      baseline: 'raw node:http POST JSON (ceiling)',
    },
    {
      name: 'xrpc createRecord (lexicon input)',
      server: xrpc,
      target: create,
      baseline: 'raw node:http POST JSON (ceiling)',
    },
  ]
  try {
    for (const concurrency of [1, 8]) {
      heading(`XRPC over keep-alive HTTP/1.1, ${concurrency} concurrent client(s), server in its own process`)
      // Rounds interleave the cases and each keeps its best (least server CPU per request), so a
      // burst of load from elsewhere on the machine colours one round, not the comparison.
      const best = new Map<string, Loaded>()
      for (let round = 0; round < ROUNDS; round++) {
        for (const c of cases) {
          const m = await load(
            `${c.name} c=${concurrency}`,
            c.server,
            c.target,
            concurrency,
            round === 0 ? 500 : 100,
          )
          const prev = best.get(c.name)
          if (prev === undefined || m.cpuPerReq < prev.cpuPerReq) best.set(c.name, m)
        }
      }
      for (const c of cases) show(best.get(c.name)!, c.baseline ? best.get(c.baseline) : undefined)
    }
  } finally {
    raw.stop()
    xrpc.stop()
  }
}

const serveAt = process.argv.indexOf('--serve')
if (serveAt !== -1) {
  const port = await serve(process.argv[serveAt + 1] as Kind)
  process.on('message', () => {
    const u = process.cpuUsage()
    process.send?.(u.user + u.system)
  })
  process.send?.(port)
} else {
  await main()
}

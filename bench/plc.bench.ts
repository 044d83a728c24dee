// `welkin plc` under load, on loopback: op submissions/s and document reads/s over keep-alive
// HTTP with concurrent clients, and resolver latency with a warm cache. The directory runs in
// its own process (SQLite, synchronous=FULL, in a temp dir), as in production; baselines from
// the same run: libsecp256k1 verify/s (every submission verifies a signature) and a trivial
// node:http server answering a same-sized JSON body (the ceiling for reads).
// Each server also reports the CPU time it spent per request, so that on a shared, busy machine
// the capacity of one core (1 / CPU per request) can be read apart from the wall-clock rate.
// Targets: >= 2,000 submissions/s, >= 10,000 reads/s. Run: node --import tsx bench/plc.bench.ts
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { parsePublicKey, Secp256k1Keypair } from '@welkin/crypto'
import { createGenesisOp, DidResolver, type PlcOp, updateHandleOp } from '@welkin/identity'
import { heading, type Measurement, measure, report } from './harness.js'

const ACCOUNTS = 3000
const CONCURRENCY = 32
const READ_SECONDS = 3
const root = fileURLToPath(new URL('..', import.meta.url))

const PLC_SERVER = `
import { openSqliteStore, PlcDirectory, startPlcServer } from ${JSON.stringify(join(root, 'packages/plc/src/index.ts'))}
const store = openSqliteStore({ path: process.argv[1] })
// The per-client POST limit is off: the bench submits from one loopback address at thousands of
// ops/s to measure the directory itself. Per-DID caps stay at their defaults (2 ops per DID here).
const server = await startPlcServer(new PlcDirectory(store), { port: 0, postRateLimit: false })
console.log(server.url)
process.on('message', () => process.send(process.cpuUsage()))
process.on('SIGTERM', async () => { await server.close(); await store.close(); process.exit(0) })
`

const HELLO_SERVER = `
import { createServer } from 'node:http'
const body = JSON.stringify({ id: 'did:plc:' + 'a'.repeat(24), padding: 'x'.repeat(560) })
const server = createServer({ keepAliveTimeout: 5000 }, (req, res) => {
  res.setHeader('content-type', 'application/json')
  res.setHeader('content-length', Buffer.byteLength(body))
  res.end(body)
}).listen(0, '127.0.0.1', () => console.log('http://127.0.0.1:' + server.address().port))
process.on('message', () => process.send(process.cpuUsage()))
process.on('SIGTERM', () => process.exit(0))
`

async function startChild(code: string, args: string[] = []): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code, ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  })
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.once('data', (d: Buffer) => resolve(d.toString().trim()))
    child.once('exit', (c) => reject(new Error(`server exited with ${c}`)))
  })
  return { url, child }
}

/** CPU seconds (user + system) the child has used so far. */
function childCpu(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    child.once('message', (m) => {
      const { user, system } = m as NodeJS.CpuUsage
      resolve((user + system) / 1e6)
    })
    child.send('cpu')
  })
}

/** Runs `phase` and prints the server's CPU time per request next to the wall-clock result. */
async function withCpu(
  child: ChildProcess,
  phase: () => Promise<Measurement>,
  baseline?: Measurement,
): Promise<Measurement> {
  const before = await childCpu(child)
  const m = await phase()
  const cpu = (await childCpu(child)) - before
  report(m, baseline)
  const perOp = (cpu / m.ops) * 1e6
  console.log(
    `${''.padEnd(4)}server CPU ${perOp.toFixed(0)} µs/request -> ${Math.round(1e6 / perOp).toLocaleString('en-US')} requests/s per core`,
  )
  return m
}

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY })

function send(base: string, method: string, path: string, body?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, {
      method,
      agent,
      headers: body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {},
    })
    req.once('response', (res) => {
      res.resume()
      res.once('end', () => resolve(res.statusCode ?? 0))
    })
    req.once('error', reject)
    req.end(body)
  })
}

/** Runs `count` requests (or until `seconds`) with CONCURRENCY workers; latency per request. */
async function drive(
  name: string,
  count: number,
  one: (i: number) => Promise<void>,
  seconds = Infinity,
): Promise<Measurement> {
  const latencies: number[] = []
  let next = 0
  const start = performance.now()
  const deadline = start + seconds * 1000
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count && performance.now() < deadline) {
        const i = next++
        const t0 = performance.now()
        await one(i)
        latencies.push(performance.now() - t0)
      }
    }),
  )
  const elapsed = (performance.now() - start) / 1000
  latencies.sort((a, b) => a - b)
  const pct = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]
  return {
    name,
    ops: latencies.length,
    seconds: elapsed,
    opsPerSec: latencies.length / elapsed,
    p50: pct(0.5),
    p99: pct(0.99),
  }
}

function expectOk(status: number, what: string): void {
  if (status !== 200) throw new Error(`${what} answered HTTP ${status}`)
}

heading(`plc: ${ACCOUNTS} accounts, ${CONCURRENCY} concurrent keep-alive clients`)

// Pre-sign everything before timing: one PDS rotation key for all accounts (as a PDS does),
// a signing key per account, a genesis op and one handle update each.
const pdsKey = Secp256k1Keypair.createSync()
const genesis: { did: string; op: PlcOp }[] = []
const updates: PlcOp[] = []
for (let i = 0; i < ACCOUNTS; i++) {
  const signing = Secp256k1Keypair.createSync()
  const g = await createGenesisOp(
    {
      rotationKeys: [pdsKey.did()],
      signingKey: signing.did(),
      handle: `u${i}.bench.test`,
      pds: 'https://pds.bench.test',
    },
    pdsKey,
  )
  genesis.push(g)
  updates.push(await updateHandleOp(g.op, pdsKey, `v${i}.bench.test`))
}

// Baseline 1: the verification every submission needs, on this core.
const key = parsePublicKey(pdsKey.did())
const msg = new Uint8Array(400).fill(7)
const sig = pdsKey.signSync(msg)
const verifyBase = await measure('baseline: libsecp256k1 verify (1 core)', () => key.verifySync(msg, sig), {
  seconds: 1,
})
report(verifyBase)

// Baseline 2: a trivial keep-alive node:http server in its own process.
const hello = await startChild(HELLO_SERVER)
const readBase = await withCpu(hello.child, () =>
  drive(
    'baseline: node:http hello-world GET',
    Number.MAX_SAFE_INTEGER,
    async () => {
      expectOk(await send(hello.url, 'GET', '/'), 'hello')
    },
    READ_SECONDS,
  ),
)
hello.child.kill('SIGTERM')

const dir = mkdtempSync(join(tmpdir(), 'welkin-plc-bench-'))
const plc = await startChild(PLC_SERVER, [join(dir, 'plc.sqlite')])
try {
  const creates = await withCpu(
    plc.child,
    () =>
      drive('welkin plc: POST genesis ops', ACCOUNTS, async (i) => {
        expectOk(await send(plc.url, 'POST', `/${genesis[i].did}`, JSON.stringify(genesis[i].op)), 'genesis')
      }),
    verifyBase,
  )
  const ups = await withCpu(
    plc.child,
    () =>
      drive('welkin plc: POST update ops', ACCOUNTS, async (i) => {
        expectOk(await send(plc.url, 'POST', `/${genesis[i].did}`, JSON.stringify(updates[i])), 'update')
      }),
    verifyBase,
  )
  const writes: Measurement = {
    name: 'welkin plc: op submissions (all)',
    ops: creates.ops + ups.ops,
    seconds: creates.seconds + ups.seconds,
    opsPerSec: (creates.ops + ups.ops) / (creates.seconds + ups.seconds),
  }
  report(writes, verifyBase)

  const reads = await withCpu(
    plc.child,
    () =>
      drive(
        'welkin plc: GET /:did',
        Number.MAX_SAFE_INTEGER,
        async (i) => {
          expectOk(await send(plc.url, 'GET', `/${genesis[(i * 7919) % ACCOUNTS].did}`), 'read')
        },
        READ_SECONDS,
      ),
    readBase,
  )

  const resolver = new DidResolver({ plcUrl: plc.url })
  const warmSet = genesis.slice(0, 1000).map((g) => g.did)
  for (const did of warmSet) await resolver.resolve(did)
  const warm = await measure(
    'resolver: resolve() with a warm cache',
    (i) => resolver.resolve(warmSet[i % warmSet.length]),
    {
      seconds: 1,
      latency: true,
    },
  )
  report(warm)
  const cold = new DidResolver({ plcUrl: plc.url, cache: false })
  const uncached = await measure(
    'resolver: resolve() without cache (HTTP)',
    (i) => cold.resolve(warmSet[i % warmSet.length]),
    {
      seconds: 1,
      latency: true,
    },
  )
  report(uncached, warm)

  const verdict = (ok: boolean) => (ok ? 'meets' : 'BELOW')
  console.log(
    `targets: submissions ${Math.round(writes.opsPerSec)}/s ${verdict(writes.opsPerSec >= 2000)} 2,000/s; reads ${Math.round(reads.opsPerSec)}/s ${verdict(reads.opsPerSec >= 10_000)} 10,000/s`,
  )
} finally {
  plc.child.kill('SIGTERM')
  agent.destroy()
  await new Promise((r) => plc.child.once('exit', r))
  rmSync(dir, { recursive: true, force: true })
}

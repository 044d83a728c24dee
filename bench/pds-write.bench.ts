// The PDS write path end to end: com.atproto.repo.createRecord of app.bsky.feed.post over
// keep-alive HTTP, 8 accounts written by 8 concurrent clients (one connection each). The PDS
// (startPds) and a Welkin PLC run in this process; the clients run in a child process, so the
// CPU this process spends per write (process.cpuUsage over the measured window) is the server's
// cost alone, and it compares across loaded and quiet machines better than wall time. Baselines
// from the same run: a raw libsecp256k1 signature and a raw better-sqlite3 insert transaction.
// Target (issue "PDS write path"): >= 1,550 records/s at 8 clients with p99 <= 20 ms, that is
// at most ~645 µs of server CPU per write on one core.
// Run: node --import tsx bench/pds-write.bench.ts [--seconds N] [--rounds N] [--prefill N]
// [--profile FILE] [--perf FILE]   (about 40 s for one round; on a busy machine take the minimum
// of several rounds, as other load only ever adds to the CPU a write appears to cost).
// --profile FILE writes a V8 CPU profile of this process over the measured createRecord window,
// --heap FILE a sampling heap profile of what the window allocated and still holds at its end;
// --perf FILE records it with `perf record -e task-clock` instead (on-CPU time only, which a loaded
// machine does not distort; start node with --perf-basic-prof to name JavaScript frames).
import { type ChildProcess, fork, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { Secp256k1Keypair } from '@welkin/crypto'
import { startPds } from '@welkin/pds'
import { openPlcStore, PlcDirectory, startPlcServer } from '@welkin/plc'
import { Database } from '@welkin/sqlite'
import { nextTid } from '@welkin/syntax'
import { KeepAliveClient } from '../packages/pds/src/crash/http-client.js'
import { heading, measure } from './harness.js'

const POST = 'app.bsky.feed.post'
const CLIENTS = 8

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name)
  return i === -1 ? undefined : process.argv[i + 1]
}

const post = (i: number) => ({
  $type: POST,
  text: `benchmark post number ${i}, with a few words in it like a real one`,
  langs: ['en'],
  createdAt: new Date().toISOString(),
})

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
}

interface Account {
  did: string
  token: string
}

interface ClientJob {
  url: string
  accounts: Account[]
  seconds: number
  /** createRecord, or the cheapest request (describeServer: no auth, no body) as a baseline. */
  kind: 'create' | 'trivial'
  /** Warm up first (the first run of a kind). */
  warm: boolean
}

interface ClientResult {
  ok: number
  errors: number
  firstError: string | null
  seconds: number
  p50: number
  p99: number
  max: number
  /** CPU the client process spent per write (user + system), µs. */
  clientCpuUs: number
}

// ---- the client process -------------------------------------------------------------------

/**
 * One keep-alive HTTP/1.1 connection that writes each request in a single send (node:http's
 * client writes the head and a Buffer body in two, which Nagle's algorithm and a delayed ACK can
 * hold back 40 ms: a client-side artifact, not the server's latency).
 */
class RawConnection {
  readonly #socket: Socket
  readonly #host: string
  #buffer: Buffer = Buffer.alloc(0)
  #waiting: ((r: { status: number; body: Buffer }) => void) | undefined

  constructor(url: string) {
    const u = new URL(url)
    this.#host = u.host
    this.#socket = connect({ host: u.hostname, port: Number(u.port), noDelay: true })
    this.#socket.on('data', (chunk: Buffer) => {
      this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk])
      this.#parse()
    })
  }

  #parse(): void {
    const end = this.#buffer.indexOf('\r\n\r\n')
    if (end === -1 || this.#waiting === undefined) return
    const head = this.#buffer.subarray(0, end).toString('latin1')
    const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0)
    if (this.#buffer.length < end + 4 + length) return
    const body = this.#buffer.subarray(end + 4, end + 4 + length)
    this.#buffer = this.#buffer.subarray(end + 4 + length)
    const resolve = this.#waiting
    this.#waiting = undefined
    resolve({ status: Number(head.slice(9, 12)), body })
  }

  request(
    method: string,
    path: string,
    token?: string,
    json?: unknown,
  ): Promise<{ status: number; body: Buffer }> {
    const body = json === undefined ? '' : JSON.stringify(json)
    const head =
      `${method} ${path} HTTP/1.1\r\nHost: ${this.#host}\r\nConnection: keep-alive\r\n` +
      (token ? `Authorization: Bearer ${token}\r\n` : '') +
      (json === undefined
        ? ''
        : `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`) +
      '\r\n'
    return new Promise((resolve) => {
      this.#waiting = resolve
      this.#socket.write(head + body)
    })
  }

  close(): void {
    this.#socket.destroy()
  }
}

async function runClients(job: ClientJob): Promise<void> {
  const conns = job.accounts.map(() => new RawConnection(job.url))
  let n = 0
  let errors = 0
  let firstError: string | null = null
  const write = async (c: number): Promise<boolean> => {
    const a = job.accounts[c]
    try {
      const res =
        job.kind === 'trivial'
          ? await conns[c].request('GET', '/xrpc/com.atproto.server.describeServer')
          : await conns[c].request('POST', '/xrpc/com.atproto.repo.createRecord', a.token, {
              repo: a.did,
              collection: POST,
              record: post(n++),
            })
      if (res.status === 200) return true
      firstError ??= `${res.status} ${res.body.toString().slice(0, 300)}`
    } catch (err) {
      firstError ??= (err as Error).message
    }
    errors++
    return false
  }
  // Warm up by count as well as time: on a loaded machine a few seconds are too few calls for
  // V8 to finish optimizing, and compiling would then be charged to the measured writes.
  const warmUntil = performance.now() + (job.kind === 'trivial' ? 500 : 2000)
  let warm = 0
  await Promise.all(
    conns.map(async (_, c) => {
      while (job.warm && (performance.now() < warmUntil || warm < 3000)) {
        await write(c)
        warm++
      }
    }),
  )
  errors = 0
  process.send!({ phase: 'start' })
  const latencies: number[] = []
  const cpu0 = process.cpuUsage()
  const start = performance.now()
  const deadline = start + job.seconds * 1000
  await Promise.all(
    conns.map(async (_, c) => {
      while (performance.now() < deadline) {
        const t0 = performance.now()
        if (await write(c)) latencies.push(performance.now() - t0)
      }
    }),
  )
  const seconds = (performance.now() - start) / 1000
  const cpu = process.cpuUsage(cpu0)
  for (const c of conns) c.close()
  latencies.sort((a, b) => a - b)
  if (process.env.HIST) {
    const buckets = new Map<number, number>()
    for (const l of latencies)
      buckets.set(Math.floor(l / 5) * 5, (buckets.get(Math.floor(l / 5) * 5) ?? 0) + 1)
    console.error(
      [...buckets]
        .sort((a, b) => a[0] - b[0])
        .map(([k, v]) => `${k}ms:${v}`)
        .join(' '),
    )
  }
  const result: ClientResult = {
    ok: latencies.length,
    errors,
    firstError,
    seconds,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    max: latencies[latencies.length - 1],
    clientCpuUs: (cpu.user + cpu.system) / latencies.length,
  }
  process.send!({ phase: 'end', result })
}

// ---- the server process -------------------------------------------------------------------

async function cpuPer(name: string, fn: () => unknown): Promise<number> {
  const c0 = process.cpuUsage()
  const m = await measure(name, fn, { seconds: 1 })
  const c = process.cpuUsage(c0)
  return (c.user + c.system) / m.ops
}

function rawSqliteCpu(dir: string): Promise<number> {
  const db = new Database(join(dir, 'raw.sqlite'))
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, did TEXT NOT NULL, bytes BLOB NOT NULL)')
  const insert = db.prepare('INSERT INTO t (did, bytes) VALUES (?, ?)')
  const row = new Uint8Array(300).fill(7)
  const tx = db.transaction(() => insert.run('did:plc:abcdefghijklmnopqrstuvwx', row))
  return cpuPer('raw insert tx', () => tx()).finally(() => db.close())
}

async function signUp(c: KeepAliveClient, i: number): Promise<Account> {
  const res = await c.post('com.atproto.server.createAccount', {
    handle: `bench${i}.test`,
    email: `bench${i}@example.com`,
    password: 'bench password 1',
  })
  if (res.status !== 200) throw new Error(`createAccount: ${res.status} ${res.bytes.toString()}`)
  return { did: res.json.did, token: res.json.accessJwt }
}

async function prefill(c: KeepAliveClient, a: Account, count: number): Promise<void> {
  for (let done = 0; done < count; done += 200) {
    const writes = Array.from({ length: Math.min(200, count - done) }, (_, i) => ({
      $type: 'com.atproto.repo.applyWrites#create',
      collection: POST,
      rkey: nextTid(),
      value: post(done + i),
    }))
    const res = await c.post('com.atproto.repo.applyWrites', { repo: a.did, writes }, a.token)
    if (res.status !== 200)
      throw new Error(`applyWrites: ${res.status} ${res.bytes.toString().slice(0, 300)}`)
  }
}

/**
 * CPU time of this process's main thread in µs (Linux /proc, clock-tick resolution), or null
 * elsewhere: the thread that bounds throughput, as SQLite checkpoints, GC and compilation also
 * run on helper threads.
 */
function mainThreadCpuUs(): number | null {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return ((Number(fields[11]) + Number(fields[12])) / 100) * 1e6
  } catch {
    return null
  }
}

function runChild(
  job: ClientJob,
  hooks: { start(): Promise<void>; end(): Promise<void> },
): Promise<{
  result: ClientResult
  serverCpuUs: number
  serverSysUs: number
  mainCpuUs: number | null
  wallSec: number
}> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--client'], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  return new Promise((resolve, reject) => {
    let cpu0: NodeJS.CpuUsage | undefined
    let main0: number | null = null
    let t0 = 0
    child.on('message', (m: { phase: string; result?: ClientResult }) => {
      if (m.phase === 'start') {
        void hooks.start()
        cpu0 = process.cpuUsage()
        main0 = mainThreadCpuUs()
        t0 = performance.now()
      } else if (m.phase === 'end') {
        const cpu = process.cpuUsage(cpu0)
        const wallSec = (performance.now() - t0) / 1000
        const r = m.result!
        const serverCpuUs = (cpu.user + cpu.system) / r.ok
        const serverSysUs = cpu.system / r.ok
        const main1 = mainThreadCpuUs()
        const mainCpuUs = main0 === null || main1 === null ? null : (main1 - main0) / r.ok
        hooks.end().then(() => resolve({ result: r, serverCpuUs, serverSysUs, mainCpuUs, wallSec }), reject)
      }
    })
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`client process exited with ${code}`))
    })
    child.send(job)
  })
}

interface Round {
  result: ClientResult
  serverCpuUs: number
  serverSysUs: number
  mainCpuUs: number | null
  wallSec: number
  rate: number
  perTx: number
  dropped: number
  gcUs: number
}

function report(x: Round, signUs: number, sqliteUs: number, trivialUs: number): void {
  const r = x.result
  console.log(
    `welkin createRecord, ${CLIENTS} clients`.padEnd(36),
    `${Math.round(x.rate).toLocaleString('en-US')} records/s  p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms  max ${r.max.toFixed(1)} ms`,
  )
  console.log(
    `  server CPU ${x.serverCpuUs.toFixed(0)} µs/write (${x.serverSysUs.toFixed(0)} of it system${x.mainCpuUs === null ? '' : `, ${x.mainCpuUs.toFixed(0)} on the main thread`}) = ${(x.serverCpuUs / signUs).toFixed(1)} signatures` +
      ` = ${(x.serverCpuUs / sqliteUs).toFixed(1)} raw insert transactions = ${(x.serverCpuUs / trivialUs).toFixed(1)} trivial requests;` +
      ` one core allows ${Math.round(1e6 / x.serverCpuUs).toLocaleString('en-US')}/s (${(1e6 / x.serverCpuUs / 1550).toFixed(2)}x the 1,550/s target)` +
      (x.mainCpuUs === null
        ? ''
        : `; the main thread alone ${Math.round(1e6 / x.mainCpuUs).toLocaleString('en-US')}/s`),
  )
  console.log(
    `  server busy ${(((x.serverCpuUs * r.ok) / (x.wallSec * 1e6)) * 100).toFixed(0)}% of a core; client CPU ${r.clientCpuUs.toFixed(0)} µs/write;` +
      ` ${x.perTx.toFixed(1)} commits per transaction; ${r.errors} failed writes${r.firstError ? ` (first: ${r.firstError})` : ''}`,
  )
  console.log(
    `  deferred: deleting the ${x.dropped.toLocaleString('en-US')} MST nodes the window dropped took ${x.gcUs.toFixed(0)} µs CPU per write (node-gc.ts, when idle)`,
  )
}

async function main(): Promise<void> {
  const seconds = Number(arg('--seconds') ?? 10)
  const prefillCount = Number(arg('--prefill') ?? 1000)
  const profileFile = arg('--profile')
  const perfFile = arg('--perf')
  const heapFile = arg('--heap')
  const roundCount = Number(arg('--rounds') ?? 1)
  heading(
    `pds-write: createRecord over keep-alive HTTP, ${CLIENTS} accounts x 1 client, ${seconds} s, ${prefillCount} records prefilled each`,
  )
  const dir = mkdtempSync(join(tmpdir(), 'welkin-bench-pds-write-'))
  const plc = await startPlcServer(new PlcDirectory(await openPlcStore({ dataDir: join(dir, 'plc') })), {
    port: 0,
  })
  // Only what the server logs once the accounts exist (a failed write) is shown.
  let logging = false
  let failures = 0
  const pds = await startPds(
    { didPlcUrl: plc.url, dataDirectory: join(dir, 'pds') },
    {
      log: (msg, fields) => {
        if (logging && failures++ < 3) console.error(`[pds] ${msg}`, fields ?? '')
      },
    },
  )
  const session = new Session()
  let perf: ChildProcess | undefined
  const hooks = {
    async start() {
      if (perfFile) {
        perf = spawn(
          'perf',
          ['record', '-e', 'task-clock', '-F', '1999', '-g', '-p', String(process.pid), '-o', perfFile],
          {
            stdio: 'ignore',
          },
        )
      }
      if (heapFile) {
        session.connect()
        await session.post('HeapProfiler.enable')
        await session.post('HeapProfiler.startSampling', { samplingInterval: 16384 })
      }
      if (!profileFile) return
      if (!heapFile) session.connect()
      await session.post('Profiler.enable')
      await session.post('Profiler.setSamplingInterval', { interval: 200 })
      await session.post('Profiler.start')
    },
    async end() {
      if (perf) {
        const exited = new Promise((resolve) => perf!.once('exit', resolve))
        perf.kill('SIGINT')
        await exited
        perf = undefined
      }
      if (heapFile) {
        const { profile } = await session.post('HeapProfiler.stopSampling')
        writeFileSync(heapFile, JSON.stringify(profile))
      }
      if (profileFile) {
        const { profile } = await session.post('Profiler.stop')
        writeFileSync(profileFile, JSON.stringify(profile))
      }
      if (heapFile || profileFile) session.disconnect()
    },
  }
  try {
    const key = Secp256k1Keypair.createSync()
    const msg = new Uint8Array(120).fill(3)
    const signUs = await cpuPer('sign', () => key.signSync(msg))
    const sqliteUs = await rawSqliteCpu(dir)
    console.log(
      `baselines: raw secp256k1 sign ${signUs.toFixed(1)} µs CPU; raw SQLite insert transaction ${sqliteUs.toFixed(1)} µs CPU`,
    )
    const c = new KeepAliveClient(pds.url, 1)
    const accounts: Account[] = []
    for (let i = 0; i < CLIENTS; i++) {
      const a = await signUp(c, i)
      await prefill(c, a, prefillCount)
      accounts.push(a)
    }
    c.close()
    logging = true
    const noHooks = { start: async () => {}, end: async () => {} }
    const t = await runChild(
      { url: pds.url, accounts, seconds: Math.min(seconds, 4), kind: 'trivial', warm: true },
      noHooks,
    )
    console.log(
      'baseline: describeServer, 8 clients'.padEnd(36),
      `${Math.round(t.result.ok / t.result.seconds).toLocaleString('en-US')} requests/s  server CPU ${t.serverCpuUs.toFixed(0)} µs/request`,
    )
    const writer = pds.ctx.store.writer
    const rounds: Round[] = []
    for (let round = 0; round < roundCount; round++) {
      // Dropped MST nodes are deleted later in passes (node-gc.ts): start from none pending, so
      // whether a pass lands in the window does not depend on the prefill; charged below.
      writer.nodeGc.collectAll()
      const committer = writer.committer
      const b0 = committer.batches
      const j0 = committer.jobs
      const m = await runChild({ url: pds.url, accounts, seconds, kind: 'create', warm: round === 0 }, hooks)
      const r = m.result
      const dropped = writer.nodeGc.pending
      const g0 = process.cpuUsage()
      writer.nodeGc.collectAll()
      const g = process.cpuUsage(g0)
      const done: Round = {
        ...m,
        rate: r.ok / r.seconds,
        perTx: (committer.jobs - j0) / Math.max(1, committer.batches - b0),
        dropped,
        gcUs: (g.user + g.system) / r.ok,
      }
      rounds.push(done)
      report(done, signUs, sqliteUs, t.serverCpuUs)
    }
    if (rounds.length > 1) {
      const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]
      const mains = rounds.map((x) => x.mainCpuUs ?? Number.NaN)
      const totals = rounds.map((x) => x.serverCpuUs)
      console.log(
        `over ${rounds.length} rounds: server CPU min ${Math.min(...totals).toFixed(0)} / median ${med(totals).toFixed(0)} µs/write;` +
          ` main thread min ${Math.min(...mains).toFixed(0)} / median ${med(mains).toFixed(0)} µs/write` +
          ` (${(Math.min(...mains) / signUs).toFixed(1)} / ${(med(mains) / signUs).toFixed(1)} signatures);` +
          ` best ${Math.round(Math.max(...rounds.map((x) => x.rate))).toLocaleString('en-US')} records/s,` +
          ` median p99 ${med(rounds.map((x) => x.result.p99)).toFixed(1)} ms`,
      )
    }
  } finally {
    await pds.cleanup()
    await plc.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

if (process.argv.includes('--client')) {
  process.once('message', (job: ClientJob) => {
    runClients(job).then(
      () => process.disconnect(),
      (err) => {
        console.error(err)
        process.exit(1)
      },
    )
  })
} else await main()

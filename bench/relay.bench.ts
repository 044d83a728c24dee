// @welkin/relay end to end: synthetic PDS hosts (WebSocket servers in child processes) replay
// pre-generated, realistically signed commits (many accounts, 1-10 ops, Sync 1.1 slices) as
// fast as the relay takes them, while 10 subscribers (another child process) read the relay's
// output. Reported: verified commits/s from the first event to the last frame at the last
// subscriber, the relay's memory with a million accounts of state, and the ratio to the raw
// libsecp256k1 verify ceiling (one thread, pre-parsed key) measured in the same run.
//
// Identities are pre-filled in the relay's state (signing key, PDS host, resolved now), as a
// relay that has run for a while has them; a million further accounts are stored too.
// Commits are generated once and cached in the OS temp directory (the first run takes a
// minute or two longer).
// Run: node --import tsx bench/relay.bench.ts   (RELAY_BENCH_COMMITS, RELAY_BENCH_WORKERS to vary)
import { type ChildProcess, fork } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Secp256k1Keypair, sha256 } from '@welkin/crypto'
import { commitMessage, encodeRepoMessage } from '@welkin/firehose'
import { createRelay, resolveRelayConfig, SQLITE_FILE, silentLogger } from '@welkin/relay'
import { type CommitData, MemoryBlockstore, type RecordWrite, Repo } from '@welkin/repo'
import { Database } from '@welkin/sqlite'
import { tidFromTime } from '@welkin/syntax'
import WebSocket, { WebSocketServer } from 'ws'
import { heading, measure, memoryMiB, report } from './harness.js'
import { xorshift32, zipfOps } from './workload.js'

const HOSTS = 4
const ACCOUNTS = 4000
const COMMITS = Number(process.env.RELAY_BENCH_COMMITS ?? 80_000)
const SUBSCRIBERS = 10
const EXTRA_ACCOUNTS = 1_000_000
const CACHE = join(tmpdir(), `welkin-relay-bench-v1-${HOSTS}-${ACCOUNTS}-${COMMITS}`)
const self = fileURLToPath(import.meta.url)

interface Account {
  did: string
  key: string
  host: number
}

// --- deterministic randomness, so the cache and the runs compare ---------------------------
const rand = xorshift32(0x9e3779b9)
const opCount = () => zipfOps(rand)

function didFor(i: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567'
  let s = ''
  let n = i + 1
  for (let k = 0; k < 24; k++) {
    s = alphabet[n & 31] + s
    n = Math.floor(n / 32)
  }
  return `did:plc:${s}`
}

// --- generation (child processes, one per half of the hosts) --------------------------------
async function generate(part: number, parts: number): Promise<void> {
  const file = `${CACHE}.part${part}`
  const mine: number[] = []
  for (let a = 0; a < ACCOUNTS; a++) if ((a % HOSTS) % parts === part) mine.push(a)
  const keys = new Map<number, Secp256k1Keypair>()
  const repos = new Map<number, Repo>()
  const paths = new Map<number, string[]>()
  const frames: Uint8Array[][] = Array.from({ length: HOSTS }, () => [])
  let clock = (Date.now() - 6 * 3600_000) * 1000
  const text = 'an ordinary post of about a hundred characters, with a few words in it, like most of them'
  const total = Math.round((COMMITS * mine.length) / ACCOUNTS)
  for (let n = 0; n < total; n++) {
    const a = mine[Math.floor(rand() * mine.length)]
    let key = keys.get(a)
    if (!key) {
      key = Secp256k1Keypair.createSync()
      keys.set(a, key)
    }
    const live = paths.get(a) ?? []
    const writes: RecordWrite[] = []
    const touched = new Set<string>()
    for (let k = opCount(); writes.length < k; ) {
      const r = rand()
      if (r < 0.8 || live.length < 3) {
        clock += 1 + Math.floor(rand() * 1000)
        const collection =
          r < 0.5 ? 'app.bsky.feed.post' : r < 0.7 ? 'app.bsky.feed.like' : 'app.bsky.graph.follow'
        const rkey = tidFromTime(clock, 0)
        const record: Record<string, string> =
          collection === 'app.bsky.feed.post'
            ? { $type: collection, text, createdAt: new Date(clock / 1000).toISOString() }
            : {
                $type: collection,
                subject: `at://${didFor(n % ACCOUNTS)}/app.bsky.feed.post/${rkey}`,
                createdAt: '2024-06-01T00:00:00Z',
              }
        writes.push({ action: 'create', collection, rkey, record })
        live.push(`${collection}/${rkey}`)
        touched.add(`${collection}/${rkey}`)
        continue
      }
      const path = live[Math.floor(rand() * live.length)]
      if (touched.has(path)) {
        if (touched.size >= live.length) break
        continue
      }
      touched.add(path)
      const [collection, rkey] = path.split('/')
      if (r < 0.9) {
        writes.push({
          action: 'update',
          collection,
          rkey,
          record: { $type: collection, text: `${text}!`, createdAt: '2024-06-01T00:00:00Z' },
        })
      } else {
        writes.push({ action: 'delete', collection, rkey })
        live.splice(live.indexOf(path), 1)
      }
    }
    paths.set(a, live)
    clock += 1000
    const rev = tidFromTime(clock, 0)
    const repo = repos.get(a)
    let data: CommitData
    if (repo) {
      data = await repo.formatCommit(writes, key, { rev })
      repos.set(a, await repo.applyCommit(data))
    } else {
      const store = new MemoryBlockstore()
      data = await Repo.formatInitCommit(store, didFor(a), key, writes, { rev })
      await store.putBlocks(data.newBlocks)
      repos.set(a, await Repo.load(store, data.cid))
    }
    const host = a % HOSTS
    frames[host].push(encodeRepoMessage({ t: '#commit', body: commitMessage(data, frames[host].length + 1) }))
    if (n % 5000 === 0) process.stderr.write(`  generating part ${part}: ${n}/${total}\r`)
  }
  const accounts: Account[] = [...keys].map(([a, k]) => ({ did: didFor(a), key: k.did(), host: a % HOSTS }))
  const out: Buffer[] = []
  for (let h = 0; h < HOSTS; h++) {
    const count = Buffer.alloc(4)
    count.writeUInt32LE(frames[h].length)
    out.push(count)
    for (const f of frames[h]) {
      const len = Buffer.alloc(4)
      len.writeUInt32LE(f.length)
      out.push(len, Buffer.from(f))
    }
  }
  writeFileSync(`${file}.bin`, Buffer.concat(out))
  writeFileSync(`${file}.json`, JSON.stringify(accounts))
}

function loadFrames(parts: number): { frames: Uint8Array[][]; accounts: Account[] } {
  const frames: Uint8Array[][] = Array.from({ length: HOSTS }, () => [])
  const accounts: Account[] = []
  for (let p = 0; p < parts; p++) {
    const buf = readFileSync(`${CACHE}.part${p}.bin`)
    let o = 0
    for (let h = 0; h < HOSTS; h++) {
      const count = buf.readUInt32LE(o)
      o += 4
      for (let i = 0; i < count; i++) {
        const len = buf.readUInt32LE(o)
        frames[h].push(buf.subarray(o + 4, o + 4 + len))
        o += 4 + len
      }
    }
    accounts.push(...(JSON.parse(readFileSync(`${CACHE}.part${p}.json`, 'utf8')) as Account[]))
  }
  return { frames, accounts }
}

// --- the hosts child: serves each host's frames as fast as its socket drains -----------------
async function serveHosts(): Promise<void> {
  const { frames } = loadFrames(2)
  const ports: number[] = []
  for (let h = 0; h < HOSTS; h++) {
    const list = frames[h]
    const server = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ did: 'did:web:localhost' }))
    })
    const wss = new WebSocketServer({ server, perMessageDeflate: false })
    wss.on('connection', (ws, req) => {
      const cursor = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('cursor') ?? 0)
      let i = cursor
      const socket = (ws as unknown as { _socket: { cork(): void; uncork(): void } })._socket
      const pump = (): void => {
        socket.cork()
        while (i < list.length && ws.bufferedAmount < 1 << 20) ws.send(list[i++], { binary: true })
        socket.uncork()
        if (i < list.length) setTimeout(pump, 1)
      }
      pump()
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    ports.push((server.address() as AddressInfo).port)
  }
  process.send!({ ports })
}

// --- the subscribers child ------------------------------------------------------------------
async function subscribe(url: string, n: number, target: number): Promise<void> {
  const counts = new Array(n).fill(0)
  let done = 0
  await Promise.all(
    counts.map(async (_, i) => {
      const ws = new WebSocket(url, { perMessageDeflate: false })
      ws.on('message', () => {
        if (++counts[i] === target) {
          done++
          if (done === n) process.send!({ doneAt: Date.now(), counts })
        }
      })
      await once(ws, 'open')
    }),
  )
  process.send!({ ready: true })
  process.on('message', (m: { report?: boolean }) => {
    if (m.report) process.send!({ counts })
  })
}

function child(args: string[]): ChildProcess {
  return fork(self, args, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
}

// --- main -----------------------------------------------------------------------------------
async function main(): Promise<void> {
  heading('relay')
  if (!existsSync(`${CACHE}.part1.json`)) {
    console.log(`generating ${COMMITS} commits for ${ACCOUNTS} accounts (cached at ${CACHE}.*)...`)
    const t0 = performance.now()
    await Promise.all([0, 1].map((p) => once(child(['generate', String(p)]), 'exit')))
    console.log(`  generated in ${((performance.now() - t0) / 1000).toFixed(0)} s`)
  }
  // Only counts are kept here: the frames live in the hosts' process, not in the relay's.
  const { total, avg, accounts } = (() => {
    const { frames, accounts } = loadFrames(2)
    const total = frames.reduce((n, f) => n + f.length, 0)
    return { total, avg: Math.round(frames.flat().reduce((n, f) => n + f.length, 0) / total), accounts }
  })()
  console.log(
    `${total} commits from ${HOSTS} hosts, ${accounts.length} accounts, ${avg} bytes per frame on average`,
  )

  // The raw ceiling: libsecp256k1 verify, one thread, key already parsed and decompressed.
  const raw = createRequire(import.meta.url)('secp256k1/bindings') as {
    publicKeyConvert(k: Uint8Array, compressed: boolean): Uint8Array
    ecdsaVerify(sig: Uint8Array, msg: Uint8Array, key: Uint8Array): boolean
  }
  const kp = Secp256k1Keypair.createSync()
  const full = raw.publicKeyConvert(kp.publicKeyBytes(), false)
  const sigs = Array.from({ length: 256 }, (_, i) => {
    const msg = new Uint8Array([i, 1, 2, 3])
    return { digest: sha256(msg), sig: kp.signSync(msg) }
  })
  const ceilingCpu0 = process.cpuUsage()
  const ceiling = await measure('libsecp256k1 ecdsaVerify, 1 thread (ceiling)', (i) => {
    const s = sigs[i & 255]
    raw.ecdsaVerify(s.sig, s.digest, full)
  })
  const ceilingCpu = process.cpuUsage(ceilingCpu0)
  // CPU time per verify: on a shared machine wall-clock rates move with other people's load.
  const verifyCpuUs = (ceilingCpu.user + ceilingCpu.system) / (ceiling.ops + 50)
  report(ceiling, undefined, 'verifies/s')
  console.log(`  ${verifyCpuUs.toFixed(1)} µs of CPU per verify`)

  const hostsProc = child(['hosts'])
  const [{ ports }] = (await once(hostsProc, 'message')) as [{ ports: number[] }]
  const hostnames = ports.map((p) => `localhost:${p}`)

  // The relay's state, pre-filled: the active accounts' identities and a million more accounts.
  const dataDir = join(tmpdir(), `welkin-relay-bench-data-${process.pid}`)
  rmSync(dataDir, { recursive: true, force: true })
  mkdirSync(dataDir, { recursive: true })
  // One verification thread per core: the main thread spends much of its time waiting on
  // sockets, so on a small machine this beats cores - 1 (measured: 2 cores, 4.0k vs 2.9k/s).
  const workers = Number(process.env.RELAY_BENCH_WORKERS ?? availableParallelism())
  const config = resolveRelayConfig(
    {},
    {
      port: 0,
      dataDir,
      allowLoopback: true,
      verifyWorkers: workers,
      trustedHosts: hostnames,
      trustedHostLimits: { accountLimit: 10_000_000, eventsPerSecond: 1_000_000 },
    },
  )
  const relayBoot = await createRelay(config, { logger: silentLogger })
  await relayBoot.close()
  prefill(join(dataDir, SQLITE_FILE), accounts, hostnames)

  // Every identity is pre-filled; a resolution would mean a bug in the bench, so it fails.
  ;(globalThis as { gc?: () => void }).gc?.()
  const baseRss = Math.round(process.memoryUsage.rss() / 2 ** 20)
  const relay = await createRelay(config, {
    logger: silentLogger,
    hostConcurrency: 64,
    resolveIdentity: async (did) => {
      throw new Error(`unexpected resolution of ${did}`)
    },
  })
  const subs = child([
    'subscribers',
    `${relay.url.replace('http', 'ws')}/xrpc/com.atproto.sync.subscribeRepos`,
    String(SUBSCRIBERS),
    String(total),
  ])
  await once(subs, 'message')
  let peakRss = 0
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss())
  }, 100)
  const cpu0 = process.cpuUsage()
  const start = Date.now()
  if (process.env.RELAY_BENCH_WINDOW) console.log(`window start ${process.hrtime.bigint() / 1000n}`)
  for (const h of hostnames) await relay.ctx.hosts.requestCrawl(h, { check: false })
  const progress = setInterval(() => {
    const s = (Date.now() - start) / 1000
    process.stderr.write(
      `  ${relay.ctx.sequencer.head} sequenced after ${s.toFixed(0)} s (${Math.round(relay.ctx.sequencer.head / s)}/s)\r`,
    )
  }, 2000)
  // A stall (nothing sequenced for 30 s) ends the run with what was reached.
  let last = -1
  let lastMove = Date.now()
  const stalled = new Promise<{ doneAt: number }>((resolve) => {
    const t = setInterval(() => {
      if (relay.ctx.sequencer.head !== last) {
        last = relay.ctx.sequencer.head
        lastMove = Date.now()
      } else if (Date.now() - lastMove > 30_000) {
        clearInterval(t)
        console.log(
          `\n  STALLED at ${last} of ${total}; drops: ${JSON.stringify(relay.counters.drops.samples())}`,
        )
        resolve({ doneAt: lastMove })
      }
    }, 1000)
    t.unref()
  })
  const { doneAt, stall } = await Promise.race([
    once(subs, 'message').then(([m]) => m as { doneAt: number; stall?: boolean }),
    stalled.then((m) => ({ ...m, stall: true })),
  ])
  clearInterval(progress)
  clearInterval(sampler)
  const cpu = process.cpuUsage(cpu0)
  if (process.env.RELAY_BENCH_WINDOW) console.log(`window end ${process.hrtime.bigint() / 1000n}`)
  const seconds = (doneAt - start) / 1000
  const verified = relay.counters.verified.sum()
  const dropped = relay.counters.drops.sum()
  const e2e = {
    name: `relay end to end, ${SUBSCRIBERS} subscribers, ${workers} verify worker(s)`,
    ops: total,
    seconds,
    opsPerSec: total / seconds,
  }
  console.log('')
  if (stall) {
    console.log(`relay benchmark FAILED: stalled after ${relay.ctx.sequencer.head} of ${total} commits`)
    process.exitCode = 1
  }
  report(e2e, ceiling, 'commits/s')
  console.log(
    `  ${verified} commits verified, ${dropped} dropped${stall ? '' : `; every subscriber got all ${total} frames`}`,
  )
  const posted = relay.verifier.posted
  console.log(
    `  verification batches: ${posted.batches}, ${(posted.jobs / Math.max(1, posted.batches)).toFixed(1)} commits each on average`,
  )
  const cpuPerCommit = (cpu.user + cpu.system) / total
  console.log(
    `  relay process CPU (all its threads): ${Math.round(cpuPerCommit)} µs per commit (${(cpuPerCommit / verifyCpuUs).toFixed(1)} raw verifies' worth), ${(((cpu.user + cpu.system) / 1e6 / seconds) * 100).toFixed(0)}% of one core over the run`,
  )
  const cores = availableParallelism()
  console.log(
    `  CPU-bound capacity of the relay alone on ${cores} free cores: ${Math.round((cores * 1e6) / cpuPerCommit).toLocaleString('en-US')} commits/s (hosts and subscribers excluded)`,
  )
  const mem = memoryMiB()
  console.log(
    `  relay memory: peak rss ${Math.round(peakRss / 2 ** 20)} MiB (before the relay started: ${baseRss} MiB), now rss ${mem.rss} MiB, heap ${mem.heapUsed} MiB, with ${relay.ctx.state.count().toLocaleString('en-US')} accounts of state`,
  )
  console.log(
    `  target >= 5,000 verified commits/s sustained: ${e2e.opsPerSec >= 5000 ? 'met' : 'NOT met'} on this machine`,
  )
  subs.kill()
  hostsProc.kill()
  await relay.close()
  rmSync(dataDir, { recursive: true, force: true })
}

/** Active accounts with their identity resolved, and a million more stored accounts. */
function prefill(path: string, accounts: Account[], hostnames: string[]): void {
  const db = new Database(path)
  const hostIds = hostnames.map(
    (h) =>
      (db.prepare('SELECT id FROM hosts WHERE hostname = ?').get(h) as { id: number } | undefined)?.id ??
      null,
  )
  const insert = db.prepare(
    'INSERT OR REPLACE INTO repos (did, host_id, signing_key, pds, resolved_at, upstream_active, takedown) VALUES (?, ?, ?, ?, ?, 1, 0)',
  )
  const now = Date.now()
  db.transaction(() => {
    for (const a of accounts) insert.run(a.did, hostIds[a.host], a.key, hostnames[a.host], now)
    const fakeKey = accounts[0].key
    for (let i = 0; i < EXTRA_ACCOUNTS; i++)
      insert.run(didFor(10_000_000 + i), null, fakeKey, 'pds.example.com', now)
  })()
  db.close()
}

const role = process.argv[2]
if (role === 'generate') await generate(Number(process.argv[3]), 2)
else if (role === 'hosts') await serveHosts()
else if (role === 'subscribers')
  await subscribe(process.argv[3], Number(process.argv[4]), Number(process.argv[5]))
else await main()

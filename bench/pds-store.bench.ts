// @welkin/pds storage layer: RepoWriter.applyWrites (one createRecord per commit: encode,
// MST update, sign, one SQLite transaction with blocks, root, record and #commit event) for 1
// account and for 8 accounts written by 8 concurrent clients, in process, no HTTP. Baselines from
// the same run: raw libsecp256k1 signing (one per commit is unavoidable) and raw better-sqlite3
// single-row insert transactions in WAL mode (the cheapest durable commit).
// Run: node --import tsx bench/pds-store.bench.ts   (about 30 s)
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { Secp256k1Keypair } from '@welkin/crypto'
import { PdsDatabase, PdsStore, resolvePdsConfig } from '@welkin/pds'
import { Database } from '@welkin/sqlite'
import { nextTid } from '@welkin/syntax'
import { heading, type Measurement, measure, report } from './harness.js'

const SECONDS = 3
const PREFILL = 1000 // records per account before measuring: a realistic tree depth
const POST = 'app.bsky.feed.post'

const post = (i: number) => ({
  $type: POST,
  text: `benchmark post number ${i}, with a few words in it like a real one`,
  langs: ['en'],
  createdAt: new Date().toISOString(),
})

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
}

/** `clients` concurrent loops for `seconds`; per-write latency and CPU time per write. */
async function run(
  name: string,
  clients: number,
  write: (client: number, i: number) => Promise<unknown>,
): Promise<Measurement & { cpuUs: number }> {
  for (let i = 0; i < 200; i++) await write(i % clients, i)
  const latencies: number[] = []
  const start = performance.now()
  const deadline = start + SECONDS * 1000
  const cpu0 = process.cpuUsage()
  let ops = 0
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      while (performance.now() < deadline) {
        const t0 = performance.now()
        await write(c, ops++)
        latencies.push(performance.now() - t0)
      }
    }),
  )
  const cpu = process.cpuUsage(cpu0)
  const seconds = (performance.now() - start) / 1000
  latencies.sort((a, b) => a - b)
  return {
    name,
    ops: latencies.length,
    seconds,
    opsPerSec: latencies.length / seconds,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    cpuUs: (cpu.user + cpu.system) / latencies.length,
  }
}

/** `measure` plus the CPU time per operation (user + system), which load on the machine inflates less than wall time. */
async function measureCpu(name: string, fn: () => unknown): Promise<Measurement & { cpuUs: number }> {
  const c0 = process.cpuUsage()
  const m = await measure(name, fn, { seconds: SECONDS })
  const c = process.cpuUsage(c0)
  return { ...m, cpuUs: (c.user + c.system) / m.ops }
}

function rawSqlite(dir: string): Promise<Measurement & { cpuUs: number }> {
  const db = new Database(join(dir, 'raw.sqlite'))
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, did TEXT NOT NULL, bytes BLOB NOT NULL)')
  const insert = db.prepare('INSERT INTO t (did, bytes) VALUES (?, ?)')
  const row = new Uint8Array(300).fill(7)
  const tx = db.transaction(() => insert.run('did:plc:abcdefghijklmnopqrstuvwx', row))
  return measureCpu('raw better-sqlite3 insert transaction', () => tx()).finally(() => db.close())
}

async function main(): Promise<void> {
  heading('pds-store: RepoWriter.applyWrites, one createRecord per commit')
  const dir = mkdtempSync(join(tmpdir(), 'welkin-bench-pds-'))
  try {
    const key = Secp256k1Keypair.createSync()
    const msg = new Uint8Array(120).fill(3)
    const sign = await measureCpu('raw secp256k1 sign (libsecp256k1)', () => key.signSync(msg))
    report(sign)
    console.log(`  cpu ${sign.cpuUs.toFixed(1)} µs/sign`)
    const sqlite = await rawSqlite(dir)
    report(sqlite)
    console.log(`  cpu ${sqlite.cpuUs.toFixed(1)} µs/transaction`)

    const store = await PdsStore.open(resolvePdsConfig({ dataDirectory: join(dir, 'pds'), devMode: true }))
    const dids: string[] = []
    for (let i = 0; i < 8; i++) {
      const did = `did:plc:bench${String(i).padStart(19, 'a')}`
      await store.accounts.createAccount({
        did,
        handle: `bench${i}.test`,
        signingKey: Secp256k1Keypair.createSync(),
      })
      for (let b = 0; b < PREFILL / 100; b++) {
        const writes = Array.from({ length: 100 }, (_, j) => ({
          action: 'create' as const,
          collection: POST,
          rkey: nextTid(),
          record: post(b * 100 + j),
        }))
        await store.writer.applyWrites(did, writes)
      }
      dids.push(did)
    }
    const create = (did: string, i: number) =>
      store.writer.applyWrites(did, [
        { action: 'create', collection: POST, rkey: nextTid(), record: post(i) },
      ])

    const one = await run('welkin applyWrites, 1 account, 1 client', 1, (_, i) => create(dids[0], i))
    report(one, sign)
    console.log(
      `  cpu ${one.cpuUs.toFixed(0)} µs/write = ${(one.cpuUs / sign.cpuUs).toFixed(1)} signatures` +
        ` + ... ; ratio ${(one.opsPerSec / sqlite.opsPerSec).toFixed(2)}x vs raw insert tx`,
    )
    const batchesBefore = store.writer.committer.batches
    const jobsBefore = store.writer.committer.jobs
    const eight = await run('welkin applyWrites, 8 accounts, 8 clients', 8, (c, i) => create(dids[c], i))
    report(eight, sign)
    const perBatch =
      (store.writer.committer.jobs - jobsBefore) / (store.writer.committer.batches - batchesBefore)
    console.log(
      `  cpu ${eight.cpuUs.toFixed(0)} µs/write = ${(eight.cpuUs / sign.cpuUs).toFixed(1)} signatures;` +
        ` ratio ${(eight.opsPerSec / sqlite.opsPerSec).toFixed(2)}x vs raw insert tx;` +
        ` ${perBatch.toFixed(1)} commits per transaction; ${(eight.opsPerSec / 1550).toFixed(2)}x the 1,550/s target`,
    )
    // Dropped MST nodes are deleted when the writer is idle (node-gc.ts): charge that work here.
    const dropped = store.writer.nodeGc.pending
    const g0 = process.cpuUsage()
    store.writer.nodeGc.collectAll()
    const g = process.cpuUsage(g0)
    const gcPerWrite = (g.user + g.system) / (one.ops + eight.ops + 400)
    console.log(
      `  deferred node collection: ${dropped} dropped nodes, ${gcPerWrite.toFixed(0)} µs CPU per measured write` +
        ` (run when idle, not on the write path)`,
    )
    await store.close()
    // Sanity: the store the benchmark wrote is one a PDS can reopen.
    const db = PdsDatabase.open(join(dir, 'pds', 'pds.sqlite'))
    await db.shutdown()
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()

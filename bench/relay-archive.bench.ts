// The relay's archival mode, per commit: what keeping full repos adds to ingest. Archive off,
// the relay's per-commit work ends at verification; archive on, each verified commit's CAR
// slice is also appended to its account's shard file and indexed in SQLite (ArchiveStore
// .applyCommit), with compaction running as the relay's upkeep runs it. Both are measured here
// in the same run, as main-thread CPU per commit (process.cpuUsage), over the same
// pre-generated commits: many accounts, 1-10 ops per commit (P(n) ∝ 1/n², as
// bench/relay.bench.ts), creates and some deletes.
// Run: node --import tsx bench/relay-archive.bench.ts   (ARCHIVE_BENCH_ACCOUNTS, _COMMITS to vary)
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Secp256k1Keypair } from '@welkin/crypto'
import { type CommitMessage, commitMessage } from '@welkin/firehose'
import { ArchiveStore } from '@welkin/relay'
import { exportRepoCar, MemoryBlockstore, type RecordWrite, Repo, verifyCommitEvent } from '@welkin/repo'
import { tidFromTime } from '@welkin/syntax'
import { heading } from './harness.js'
import { xorshift32, zipfOps } from './workload.js'

const ACCOUNTS = Number(process.env.ARCHIVE_BENCH_ACCOUNTS ?? 200)
const COMMITS = Number(process.env.ARCHIVE_BENCH_COMMITS ?? 6000)

const rand = xorshift32(0x2545f491)
const opCount = () => zipfOps(rand)

let clock = Date.now() * 1000 - 3_600_000_000
function tid(): string {
  clock += 1000
  return tidFromTime(clock, 0)
}

const B32 = 'abcdefghijklmnopqrstuvwxyz234567'

interface Account {
  did: string
  key: Secp256k1Keypair
  repo: Repo
  rkeys: string[]
  car: Uint8Array
}

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const list: Buffer[] = []
  for await (const c of chunks) list.push(Buffer.from(c))
  return Buffer.concat(list)
}

function writesFor(acct: Account): RecordWrite[] {
  const n = opCount()
  const ws: RecordWrite[] = []
  // Records from earlier commits (one path is written once per commit).
  let old = acct.rkeys.length
  for (let i = 0; i < n; i++) {
    // One op in five deletes an old record once there are some: compaction has work to do.
    if (old > 10 && rand() < 0.2) {
      const [collection, rkey] = acct.rkeys.splice(Math.floor(rand() * old--), 1)[0].split('/')
      ws.push({ action: 'delete', collection, rkey })
      continue
    }
    const rkey = tid()
    acct.rkeys.push(`app.bsky.feed.post/${rkey}`)
    ws.push({
      action: 'create',
      collection: 'app.bsky.feed.post',
      rkey,
      record: {
        $type: 'app.bsky.feed.post',
        text: `post ${rkey} ${'lorem ipsum '.repeat(8)}`,
        createdAt: new Date().toISOString(),
      },
    })
  }
  return ws
}

async function generate(): Promise<{
  accounts: Account[]
  commits: { acct: Account; msg: CommitMessage }[]
}> {
  const accounts: Account[] = []
  for (let a = 0; a < ACCOUNTS; a++) {
    const key = Secp256k1Keypair.createSync()
    const did = `did:plc:${[...a.toString(32).padStart(24, '0')].map((c) => B32[Number.parseInt(c, 32)]).join('')}`
    const store = new MemoryBlockstore()
    const acct = { did, key, rkeys: [] } as unknown as Account
    const init = await Repo.formatInitCommit(store, did, key, writesFor(acct), { rev: tid() })
    await store.putBlocks(init.newBlocks)
    acct.repo = await Repo.load(store, init.cid)
    acct.car = await collect(exportRepoCar(store, init.cid))
    accounts.push(acct)
  }
  const commits: { acct: Account; msg: CommitMessage }[] = []
  for (let i = 0; i < COMMITS; i++) {
    const acct = accounts[Math.floor(rand() * accounts.length)]
    const data = await acct.repo.formatCommit(writesFor(acct), acct.key, { rev: tid() })
    acct.repo = await acct.repo.applyCommit(data)
    commits.push({ acct, msg: commitMessage(data, i + 1) })
  }
  return { accounts, commits }
}

function cpuMicros(fn: () => void): number {
  const t0 = process.cpuUsage()
  fn()
  const d = process.cpuUsage(t0)
  return d.user + d.system
}

async function main(): Promise<void> {
  heading(
    `relay archive: ingest cost per commit (${ACCOUNTS} accounts, ${COMMITS.toLocaleString('en-US')} commits)`,
  )
  const { accounts, commits } = await generate()
  const frameBytes = commits.reduce((n, c) => n + c.msg.blocks.length, 0) / commits.length

  // Baseline, archive off: the relay's per-commit verification (signature + Sync 1.1 inversion).
  const keys = new Map(accounts.map((a) => [a.did, a.key.did()]))
  const verifyUs = cpuMicros(() => {
    for (const { msg } of commits) verifyCommitEvent(msg, keys.get(msg.repo)!)
  })

  const perVerify = verifyUs / commits.length
  console.log(`average slice                                      ${Math.round(frameBytes)} bytes`)
  console.log(`archive off: verify (baseline)                     ${perVerify.toFixed(1)} µs CPU/commit`)
  // The index commits once per event-loop turn: one commit per turn is a quiet relay, dozens
  // per turn a busy one (the verifier pool hands back batches).
  for (const perTurn of [1, 16, 64]) {
    const dir = mkdtempSync(join(tmpdir(), 'welkin-archive-bench-'))
    const store = new ArchiveStore(join(dir, 'archive.sqlite'), { policy: { allowLoopback: true } })
    try {
      for (const a of accounts) await store.importCar(a.did, a.car, a.key.did())
      await new Promise((r) => setImmediate(r))
      const t0 = process.cpuUsage()
      for (let i = 0; i < commits.length; i++) {
        const { acct, msg } = commits[i]
        if (store.applyCommit(acct.did, msg) !== 'applied') throw new Error(`commit ${msg.rev} not applied`)
        if ((i + 1) % perTurn === 0) await new Promise((r) => setImmediate(r))
      }
      await new Promise((r) => setImmediate(r))
      const d = process.cpuUsage(t0)
      const perApply = (d.user + d.system) / commits.length
      console.log(
        `archive on, ${String(perTurn).padStart(2)} commits/turn: + append and index   ${perApply.toFixed(1)} µs CPU/commit  ${((perVerify + perApply) / perVerify).toFixed(2)}x the verify-only CPU`,
      )
      if (perTurn !== 64) continue
      // Compaction of every account once (the relay compacts only past 50% garbage), charged
      // to the commits: an upper bound on its share.
      const c0 = process.cpuUsage()
      let dropped = 0
      for (const a of accounts) dropped += await store.compact(a.did)
      const c = process.cpuUsage(c0)
      const perCompact = (c.user + c.system) / commits.length
      console.log(
        `compacting every account once, amortized           ${perCompact.toFixed(1)} µs CPU/commit  (${dropped} blocks dropped)`,
      )
      const du = Number(execFileSync('du', ['-sk', dir], { encoding: 'utf8' }).split('\t')[0])
      console.log(`disk after compaction (index + shard files)        ${(du / 1024).toFixed(1)} MiB`)
    } finally {
      store.close()
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

await main()

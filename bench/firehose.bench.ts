// @welkin/firehose: decoding realistic #commit frames (against decodeCborMulti alone, the raw
// ceiling), and fan-out of the same frame bytes to 10 local WebSocket subscribers (against
// plain ws.send of those bytes, corked in batches, to the same sockets). Subscribers run in a
// child process, so the numbers are the server side's, on a machine shared with them.
// Run: node --import tsx bench/firehose.bench.ts  (about 45 s)
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { Secp256k1Keypair } from '@welkin/crypto'
import { cidForCbor, decodeCborMulti, encodeCbor } from '@welkin/data'
import {
  attachWebSocket,
  commitMessage,
  decodeRepoFrame,
  EventFanout,
  encodeRepoMessage,
  MemoryEventLog,
} from '@welkin/firehose'
import { commitBlock, MemoryBlockstore, MST, Repo, signCommit } from '@welkin/repo'
import { tidFromTime } from '@welkin/syntax'
import WebSocket, { WebSocketServer } from 'ws'
import { heading, type Measurement, measure, memoryMiB, report } from './harness.js'

const SUBSCRIBERS = 10
const FANOUT_SECONDS = 3

// --- subscriber mode: the child process ---------------------------------------------------
if (process.argv[2] === 'subscribers') {
  const url = process.argv[3]
  const n = Number(process.argv[4])
  let frames = 0
  let bytes = 0
  const sockets = await Promise.all(
    Array.from({ length: n }, async () => {
      const ws = new WebSocket(url, { perMessageDeflate: false })
      ws.on('message', (d: Buffer) => {
        frames++
        bytes += d.length
      })
      await once(ws, 'open')
      return ws
    }),
  )
  process.send!({ ready: true })
  process.on('message', (m: { report?: boolean }) => {
    if (!m.report) return
    process.send!({ frames, bytes })
    for (const ws of sockets) ws.terminate()
    process.disconnect()
  })
} else {
  await main()
}

async function main(): Promise<void> {
  heading('firehose')
  const frames = await commitFrames(2000)
  const avg = Math.round(frames.reduce((n, f) => n + f.length, 0) / frames.length)
  console.log(`${frames.length} #commit frames, ${avg} bytes on average`)

  // --- decode ------------------------------------------------------------------------------
  // The machine is shared: alternate the two, three rounds each, and keep each one's best.
  let raw: Measurement | undefined
  let full: Measurement | undefined
  for (let round = 0; round < 3; round++) {
    const r = await measure('decodeCborMulti (ceiling)', (i) => decodeCborMulti(frames[i % frames.length]), {
      seconds: 1,
    })
    const f = await measure(
      'decodeRepoFrame (frame + #commit checks)',
      (i) => decodeRepoFrame(frames[i % frames.length]),
      { seconds: 1 },
    )
    if (!raw || r.opsPerSec > raw.opsPerSec) raw = r
    if (!full || f.opsPerSec > full.opsPerSec) full = f
  }
  report(raw!, undefined, 'frames/s')
  report(full!, raw, 'frames/s')

  // --- fan-out ------------------------------------------------------------------------------
  let baseline: FanoutResult | undefined
  let ours: FanoutResult | undefined
  for (let round = 0; round < 2; round++) {
    const b = await fanoutRun('raw corked ws.send to 10 sockets (ceiling)', frames, false)
    const o = await fanoutRun('EventFanout + attachWebSocket, 10 subscribers', frames, true)
    if (!baseline || b.delivered.opsPerSec > baseline.delivered.opsPerSec) baseline = b
    if (!ours || o.delivered.opsPerSec > ours.delivered.opsPerSec) ours = o
  }
  report(baseline!.delivered, undefined, 'frames/s')
  report(ours!.delivered, baseline!.delivered, 'frames/s')
  console.log(`  published ${Math.round(ours!.published)} events/s to each of ${SUBSCRIBERS} subscribers`)
  console.log(`  server memory at end: rss ${ours!.mem.rss} MiB, heap ${ours!.mem.heapUsed} MiB`)
}

/** Realistic commits: repos of 2,000 records, then single-record creates, updates, deletes. */
async function commitFrames(count: number): Promise<Uint8Array[]> {
  const keypair = Secp256k1Keypair.createSync()
  const repos: Repo[] = []
  let clock = 1_700_000_000_000_000
  const text = 'an ordinary post of about a hundred characters, with a few words in it, like most of them are'
  for (let r = 0; r < 8; r++) {
    const store = new MemoryBlockstore()
    const entries = Array.from({ length: 2000 }, (_, i) => {
      const bytes = encodeCbor({
        $type: 'app.bsky.feed.post',
        text: `${text} ${i}`,
        createdAt: '2024-01-01T00:00:00Z',
      })
      const cid = cidForCbor(bytes)
      store.put(cid, bytes)
      clock += 1000
      return { key: `app.bsky.feed.post/${tidFromTime(clock, 0)}`, cid }
    })
    const tree = MST.fromEntries(entries)
    store.putBlocks(tree.getUnstoredBlocks().blocks)
    const did = `did:plc:bench${String(r).padStart(19, '0')}`
    const commit = await signCommit(
      { did, version: 3, data: tree.getPointer(), rev: tidFromTime(clock, 0), prev: null },
      keypair,
    )
    const block = commitBlock(commit)
    store.put(block.cid, block.bytes)
    repos.push(await Repo.load(store, block.cid))
  }
  const out: Uint8Array[] = []
  for (let i = 0; i < count; i++) {
    const r = i % repos.length
    const repo = repos[r]
    clock += 1000
    const rkey = tidFromTime(clock, 0)
    const res = await repo.applyWrites(
      [
        {
          action: 'create',
          collection: 'app.bsky.feed.post',
          rkey,
          record: { $type: 'app.bsky.feed.post', text, createdAt: '2024-06-01T00:00:00Z' },
        },
      ],
      keypair,
      { rev: tidFromTime(clock, 0) },
    )
    repos[r] = res.repo
    out.push(encodeRepoMessage({ t: '#commit', body: commitMessage(res.commit, i + 1) }))
  }
  return out
}

interface FanoutResult {
  delivered: Measurement
  published: number
  mem: { rss: number; heapUsed: number }
}

/**
 * Publishes as fast as the slowest subscriber drains for FANOUT_SECONDS. Pacing on the
 * slowest keeps every subscriber connected, so the rate is the sustained one.
 */
async function fanoutRun(name: string, frames: Uint8Array[], useFanout: boolean): Promise<FanoutResult> {
  const log = new MemoryEventLog({ maxEvents: 20_000 })
  const fanout = new EventFanout(log, { maxBufferFrames: 20_000 })
  const server = createServer()
  const wss = new WebSocketServer({ server, perMessageDeflate: false })
  const rawSockets: WebSocket[] = []
  wss.on('connection', (ws) => {
    if (useFanout) attachWebSocket(ws, fanout.subscribe())
    else rawSockets.push(ws)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/xrpc/com.atproto.sync.subscribeRepos`
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(import.meta.url), 'subscribers', url, String(SUBSCRIBERS)],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  )
  await once(child, 'message')
  const subs = () => [...wss.clients]
  const behind = (): boolean =>
    useFanout
      ? fanout.subscriberCount < SUBSCRIBERS
      : subs().some((ws) => ws.bufferedAmount > 4 * 1024 * 1024)
  let seq = 0
  const start = performance.now()
  const deadline = start + FANOUT_SECONDS * 1000
  while (performance.now() < deadline) {
    if (useFanout) {
      for (let i = 0; i < 100; i++) {
        const frame = frames[seq++ % frames.length]
        log.append(seq, frame)
        fanout.publish(seq, frame)
      }
    } else {
      // The ceiling: the same 100 frames written to each socket in one corked batch.
      for (const ws of rawSockets) {
        const socket = (ws as unknown as { _socket: { cork(): void; uncork(): void } })._socket
        socket.cork()
        for (let i = 0; i < 100; i++) ws.send(frames[(seq + i) % frames.length], { binary: true })
        socket.uncork()
      }
      seq += 100
    }
    // Yield to the sockets; wait while the slowest subscriber is far behind.
    do await new Promise((r) => setImmediate(r))
    while (useFanout ? slowestQueue(fanout) > 5000 : behind())
  }
  const seconds = (performance.now() - start) / 1000
  const mem = memoryMiB()
  // Let the queues drain, then ask the child what arrived.
  const drainUntil = performance.now() + 5000
  while (
    performance.now() < drainUntil &&
    (useFanout ? slowestQueue(fanout) > 0 : subs().some((w) => w.bufferedAmount > 0))
  ) {
    await new Promise((r) => setTimeout(r, 5))
  }
  await new Promise((r) => setTimeout(r, 200))
  child.send({ report: true })
  const [counts] = (await once(child, 'message')) as [{ frames: number }]
  const cutOff = useFanout ? SUBSCRIBERS - fanout.subscriberCount : 0
  fanout.close()
  for (const ws of wss.clients) ws.terminate()
  wss.close()
  server.close()
  if (cutOff > 0) console.log(`  ${cutOff} subscriber(s) were cut off as too slow`)
  return {
    delivered: { name, ops: counts.frames, seconds, opsPerSec: counts.frames / seconds },
    published: seq / seconds,
    mem,
  }
}

function slowestQueue(fanout: EventFanout): number {
  return fanout.stats.maxQueuedFrames
}

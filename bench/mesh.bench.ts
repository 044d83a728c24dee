// @welkin/mesh: gossip convergence of one write across 50 nodes in one process (target p99
// under 1 s on loopback), against the raw GossipSub publish -> deliver latency between two
// nodes; the latency of a local put on a node (SQLite + gossip publish) against the bare
// Graph.put; and the anti-entropy traffic to repair 1 differing property among 100,000
// (target under 4 KB), against sending the whole state.
// Run alone: node --import tsx bench/mesh.bench.ts  (about a minute, most of it starting nodes)
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { encodeUpdates, Graph, ManualClock, type Update } from '@welkin/graph'
import { createMeshNode, graphReplica, type MeshNode, runSync, SyncResponder } from '@welkin/mesh'
import { FAST_MESH, rawGossipPair, startMesh, stopAll, waitFor } from '@welkin/mesh/testing'
import { heading, measure, report } from './harness.js'

const NODES = 50
const WRITES = 40
/** Untimed writes first: the GossipSub mesh keeps grafting for a few heartbeats after start. */
const WARMUP_WRITES = 10
const RAW_MESSAGES = 200
const ENTRIES = 100_000
const T0 = 1_750_000_000_000_000

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
}

function latencyLine(name: string, samples: number[], baseline?: number[]): void {
  const s = [...samples].sort((a, b) => a - b)
  const parts = [
    `${name.padEnd(52)} p50 ${percentile(s, 0.5).toFixed(1)} ms  p99 ${percentile(s, 0.99).toFixed(1)} ms`,
  ]
  if (baseline) {
    const b = [...baseline].sort((x, y) => x - y)
    parts.push(`ratio p50 ${(percentile(s, 0.5) / percentile(b, 0.5)).toFixed(1)}x vs raw gossipsub`)
  }
  console.log(parts.join('  '))
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function rawBaseline(): Promise<number[]> {
  const pair = await rawGossipPair()
  const sent = new Map<number, number>()
  const got: number[] = []
  pair.onMessage((data) => {
    const at = sent.get(new DataView(data.buffer, data.byteOffset).getUint32(0))
    if (at !== undefined) got.push(performance.now() - at)
  })
  for (let i = 0; i < RAW_MESSAGES; i++) {
    const data = new Uint8Array(64)
    new DataView(data.buffer).setUint32(0, i)
    sent.set(i, performance.now())
    await pair.publish(data)
    await waitFor(() => got.length > i, 10_000, `raw message ${i}`, 1)
  }
  await pair.stop()
  return got
}

async function pairLatency(): Promise<number[]> {
  const [a, b] = await startMesh(2)
  const out: number[] = []
  for (let i = 0; i < RAW_MESSAGES; i++) {
    const t = performance.now()
    await a.put(`pair/${i}`, { i })
    await waitFor(() => b.graph.has(`pair/${i}`), 10_000, `pair write ${i}`, 1)
    out.push(performance.now() - t)
  }
  await stopAll([a, b])
  return out
}

/** Time from `put` on one node until all nodes hold the write, one write at a time. */
async function convergence(nodes: MeshNode[], writes: number, tag: string): Promise<number[]> {
  const out: number[] = []
  for (let k = 0; k < writes; k++) {
    const origin = nodes[(k * 17) % nodes.length]
    const soul = `bench/${tag}/${k}`
    let missing = nodes.length
    let done = 0
    const t = performance.now()
    const unsubs = nodes.map((n) =>
      n.graph.subscribe(soul, () => {
        if (--missing === 0) done = performance.now() - t
      }),
    )
    await origin.put(soul, { k })
    await waitFor(() => missing === 0, 30_000, `write ${k} on every node`, 1)
    for (const u of unsubs) u()
    out.push(done)
    await sleep(50)
  }
  return out
}

function bulk(n: number): Update[] {
  return Array.from({ length: n }, (_, i) => ({
    soul: `soul/${i >> 3}`,
    prop: `p${i & 7}`,
    value: `value ${i}`,
    state: T0 + i,
  }))
}

async function antiEntropy(): Promise<void> {
  const data = bulk(ENTRIES)
  const fullState = encodeUpdates(data).length
  // In memory: the protocol's own bytes, framing included.
  const a = new Graph({ clock: new ManualClock(T0 / 1000) })
  const b = new Graph({ clock: new ManualClock(T0 / 1000) })
  a.merge(data)
  b.merge(data)
  const built = performance.now()
  const ra = graphReplica(a)
  const rb = graphReplica(b)
  // Fingerprints are computed once, then kept up to date per change: time them apart.
  ra.trie.summary(new Uint8Array(0))
  rb.trie.summary(new Uint8Array(0))
  console.log(
    `${'build both tries (100k entries each), cold'.padEnd(52)} ${(performance.now() - built).toFixed(0)} ms`,
  )
  const responder = new SyncResponder(rb)
  b.merge([{ soul: 'soul/4242', prop: 'p5', value: 'changed', state: T0 + ENTRIES + 1 }])
  const t = performance.now()
  const mem = await runSync(ra, { request: async (frame) => responder.handle(frame) })
  const ms = performance.now() - t
  const bytes = mem.bytesSent + mem.bytesReceived
  console.log(
    `${'repair 1 of 100k, in memory'.padEnd(52)} ${bytes} bytes  ${mem.rounds} round trips  ${ms.toFixed(1)} ms  ` +
      `(target < 4096 bytes: ${bytes < 4096 ? 'met' : 'MISSED'})`,
  )
  console.log(
    `${'baseline: whole state as one DAG-CBOR batch'.padEnd(52)} ${fullState} bytes  ratio ${(bytes / fullState).toExponential(2)}`,
  )
  // Over libp2p between two nodes loaded with the same 100k entries.
  const x = createMeshNode({ ...FAST_MESH, syncIntervalMs: 0 })
  const y = createMeshNode({ ...FAST_MESH, syncIntervalMs: 0 })
  x.graph.merge(data)
  y.graph.merge(data)
  await Promise.all([x.start(), y.start()])
  await x.put('soul/777', { p1: 'changed over libp2p' })
  await y.dial(x.multiaddrs[0])
  await waitFor(() => y.peers().length > 0, 10_000, 'the pair to connect')
  // Connecting starts a session that repairs soul/777; let it finish, then time a fresh one.
  await waitFor(() => y.graph.getProp('soul/777', 'p1') !== undefined, 30_000, 'the connect-time session')
  await waitFor(() => x.counters.lastSyncAt !== null || y.counters.lastSyncAt !== null, 30_000, 'its end')
  // Written on the graph directly, so gossip does not carry it: only anti-entropy can.
  y.graph.put('soul/778', { p2: 'changed again' })
  const t2 = performance.now()
  const net = await x.syncWith(y.peerId.toString())
  const ms2 = performance.now() - t2
  const netBytes = net.bytesSent + net.bytesReceived
  console.log(
    `${'repair 1 of 100k, over libp2p (/welkin/sync/1)'.padEnd(52)} ${netBytes} bytes  ${net.rounds} round trips  ${ms2.toFixed(1)} ms`,
  )
  if (x.graph.getProp('soul/778', 'p2') !== 'changed again')
    throw new Error('libp2p sync did not repair the difference')
  await stopAll([x, y])
}

heading('mesh: anti-entropy, 1 differing property among 100,000')
await antiEntropy()

heading('mesh: gossip latency between two nodes')
const raw = await rawBaseline()
latencyLine(`raw gossipsub publish -> deliver, ${RAW_MESSAGES} messages`, raw)
latencyLine('welkin put -> merged on the peer (gossip)', await pairLatency(), raw)

/**
 * What a caller of `MeshNode.put` (or the HTTP API's PUT) waits for: the graph's merge, the
 * SQLite transaction, and handing the message to GossipSub with one peer subscribed. Against
 * the same node on an in-memory store, and the bare Graph.put.
 */
async function putLatency(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'welkin-mesh-bench-'))
  try {
    for (const [name, dataDir] of [
      ['MeshNode.put, SQLite store + gossip (1 peer)', join(dir, 'a')],
      ['MeshNode.put, in-memory store + gossip (1 peer)', undefined],
    ] as const) {
      const a = createMeshNode({ ...FAST_MESH, syncIntervalMs: 0, ...(dataDir ? { dataDir } : {}) })
      await a.start()
      const b = createMeshNode({ ...FAST_MESH, syncIntervalMs: 0, bootstrap: [a.multiaddrs[0]] })
      await b.start()
      await waitFor(
        () => a.node!.services.pubsub.getSubscribers(a.topic).length > 0,
        30_000,
        'the peer to subscribe',
      )
      report(
        await measure(name, (i) => a.put(`put/${i % 10_000}`, { p0: i }), {
          seconds: 2,
          latency: true,
          warmupOps: 200,
        }),
      )
      await stopAll([a, b])
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  const g = new Graph()
  report(
    await measure('baseline: Graph.put alone', (i) => g.put(`put/${i % 10_000}`, { p0: i }), {
      seconds: 1,
      latency: true,
    }),
  )
}

heading('mesh: local put latency (merge, store, publish)')
await putLatency()

heading(`mesh: convergence of one write across ${NODES} nodes (one process)`)
const started = performance.now()
const nodes = await startMesh(NODES, {
  each: () => ({ syncIntervalMs: 30_000 }),
  ready: 'joined',
  timeoutMs: 180_000,
})
console.log(`started ${NODES} nodes in ${((performance.now() - started) / 1000).toFixed(1)} s`)
// Let start-up work (handshakes, DHT table refreshes) die down before timing: the nodes share
// one event loop, so its delay is what a write would wait at every hop.
const lag = monitorEventLoopDelay({ resolution: 10 })
lag.enable()
for (let waited = 0; waited < 60_000; waited += 2000) {
  lag.reset()
  await sleep(2000)
  if (lag.percentile(50) / 1e6 < 30) break
}
console.log(`event loop delay before measuring: p50 ${(lag.percentile(50) / 1e6).toFixed(0)} ms`)
await convergence(nodes, WARMUP_WRITES, 'warmup')
const times = await convergence(nodes, WRITES, 'timed')
latencyLine(`put -> held by all ${NODES} nodes, ${WRITES} writes`, times, raw)
const sorted = [...times].sort((a, b) => a - b)
console.log(`target p99 < 1000 ms: ${percentile(sorted, 0.99) < 1000 ? 'met' : 'MISSED'}`)
await stopAll(nodes)

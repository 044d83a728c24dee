// The libp2p parts of a node on loopback, each on its own: WebSockets as the only transport,
// Kademlia lookups through a third node, GossipSub's StrictSign, and the diagnostics they feed.
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { RPC } from '@libp2p/gossipsub/message'
import type { PrivateKey } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { encodeUpdates } from '@welkin/graph'
import { createLibp2p } from 'libp2p'
import { afterAll, describe, expect, it } from 'vitest'
import { createMeshNode, type MeshNode, type MeshNodeOptions } from '../node.js'
import { FAST_MESH, settled, stopAll, waitFor } from '../testing.js'
import { newPeerKey } from './peer-key.js'

const WS_ONLY = ['/ip4/127.0.0.1/tcp/0/ws']
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const started: MeshNode[] = []

async function start(opts: MeshNodeOptions = {}): Promise<MeshNode> {
  const node = createMeshNode({ ...FAST_MESH, ...opts })
  started.push(node)
  await node.start()
  return node
}

afterAll(() => stopAll(started))

describe('mesh networking on loopback', { timeout: 30_000 }, () => {
  it('joins, gossips and measures latency over WebSockets alone', async () => {
    // Periodic anti-entropy off: the write below must come by gossip.
    const opts = { listen: WS_ONLY, pingIntervalMs: 300, syncIntervalMs: 0 }
    const a = await start(opts)
    expect(a.multiaddrs.length).toBeGreaterThan(0)
    for (const ma of a.multiaddrs) expect(ma).toMatch(/\/tcp\/\d+\/ws\/p2p\//)
    // B dials with the global WebSocket: on Node 20 that is src/polyfills.ts's.
    const b = await start({ ...opts, bootstrap: [a.multiaddrs[0]] })
    await waitFor(() => settled(a) && settled(b), 20_000, 'the WebSocket pair to join the topic')
    for (const conn of b.node!.getConnections()) expect(conn.remoteAddr.toString()).toContain('/ws')

    await a.put('net/ws', { over: 'websockets' })
    await waitFor(() => b.graph.getProp('net/ws', 'over') === 'websockets', 15_000, 'the write on B')
    const da = a.diagnostics()
    const db = b.diagnostics()
    expect(da.messages.out).toBeGreaterThan(0)
    expect(da.messages.bytesOut).toBeGreaterThan(0)
    expect(db.messages.in).toBeGreaterThan(0)
    expect(db.messages.bytesIn).toBeGreaterThan(0)
    expect(db.messages.rejected).toBe(0)

    // The connection monitor pings every 300 ms here (10 s by default).
    const latency = () => b.diagnostics().peers.find((p) => p.peerId === a.peerId.toString())?.latencyMs
    await waitFor(() => typeof latency() === 'number', 8_000, 'a measured latency')
    expect(latency()).toBeGreaterThanOrEqual(0)
    expect(latency()).toBeLessThan(10_000)
  })

  it('counts anti-entropy rounds, sessions and entries in the diagnostics', async () => {
    const a = await start({ syncIntervalMs: 0 })
    const b = await start({ syncIntervalMs: 0, bootstrap: [a.multiaddrs[0]] })
    await waitFor(() => b.peers().includes(a.peerId.toString()), 15_000, 'the pair to connect')
    // The session the smaller peer id starts on connect ends before the one measured here.
    await waitFor(() => (a.counters.lastSyncAt ?? b.counters.lastSyncAt) !== null, 15_000, 'sync on connect')
    const before = b.diagnostics().sync
    // Written on the graph directly, so gossip does not carry it: only anti-entropy can.
    b.graph.put('net/quiet', { by: 'sync' })
    const report = await b.syncWith(a.peerId.toString())
    expect(report.sent).toBe(1)
    expect(a.graph.getProp('net/quiet', 'by')).toBe('sync')
    const after = b.diagnostics().sync
    expect(after.rounds).toBe(before.rounds + report.rounds)
    expect(report.rounds).toBeGreaterThan(0)
    expect(after.sessions).toBe(before.sessions + 1)
    expect(after.entriesSent).toBe(before.entriesSent + 1)
    expect(after.bytesSent).toBeGreaterThan(before.bytesSent)
    expect(after.lastSyncAt).not.toBeNull()
    expect(a.diagnostics().sync.served).toBeGreaterThan(0)
  })

  it('finds a peer it was never told of through the DHT', async () => {
    const b = await start()
    // minPeers 1: once connected to B, A and C look for nobody else on their own.
    const a = await start({ bootstrap: [b.multiaddrs[0]], minPeers: 1 })
    const c = await start({ bootstrap: [b.multiaddrs[0]], minPeers: 1 })
    const table = (n: MeshNode) => n.diagnostics().dht.routingTableSize
    await waitFor(() => table(b) >= 2 && table(a) > 0 && table(c) > 0, 20_000, 'routing tables to fill')
    expect(a.diagnostics().dht.mode).toBe('server')

    // useCache false: ask the network, not the peer store or the routing table.
    const found = await a.node!.peerRouting.findPeer(c.peerId, {
      useCache: false,
      signal: AbortSignal.timeout(15_000),
    })
    expect(found.id.toString()).toBe(c.peerId.toString())
    const addrs = found.multiaddrs.map((ma) => ma.toString())
    expect(addrs.some((ma) => c.multiaddrs.some((own) => own.startsWith(ma)))).toBe(true)
    await a.node!.dial(c.peerId, { signal: AbortSignal.timeout(15_000) })
    expect(a.peers()).toContain(c.peerId.toString())
  })

  it('delivers only messages signed by the peer they name as origin (StrictSign)', async () => {
    const target = await start({ syncIntervalMs: 0 })
    const other = await start({ syncIntervalMs: 0 })
    const rogue = await rawGossipSender(target)
    try {
      const msg = (soul: string) => ({
        topic: target.topic,
        data: encodeUpdates([{ soul, prop: 'p', value: 1, state: Date.now() * 1000 }]),
      })
      await rogue.send([
        msg('net/unsigned'),
        // Signed by the rogue, but naming another node as its origin.
        await signed(msg('net/impostor'), rogue.key, other.peerId.toMultihash().bytes),
        // No signature, but a sequence number and an origin.
        { ...msg('net/no-sig'), from: rogue.from, seqno: seqno() },
      ])
      // The same path with a genuine signature is delivered: what is refused above is the
      // signature, not the way in.
      await sleep(200)
      await rogue.send([await signed(msg('net/genuine'), rogue.key, rogue.from)])
      await waitFor(() => target.graph.has('net/genuine'), 10_000, 'the genuinely signed message')
      await sleep(300)
      for (const soul of ['net/unsigned', 'net/impostor', 'net/no-sig'])
        expect(target.graph.has(soul)).toBe(false)
      // GossipSub drops them before the topic validator, which counts what reaches it.
      expect(target.diagnostics().messages.in).toBe(1)
      expect(target.diagnostics().messages.rejected).toBe(0)
    } finally {
      await rogue.stop()
    }
  })
})

let seq = BigInt(Date.now()) * 1_000_000n
function seqno(): Uint8Array {
  const out = new Uint8Array(8)
  new DataView(out.buffer).setBigUint64(0, ++seq)
  return out
}

/** A message signed as the pubsub spec says: over "libp2p-pubsub:" + the unsigned message. */
async function signed(m: RPC.Message, key: PrivateKey, from: Uint8Array): Promise<RPC.Message> {
  const unsigned = { ...m, from, seqno: seqno() }
  const payload = new Uint8Array([
    ...new TextEncoder().encode('libp2p-pubsub:'),
    ...RPC.Message.encode(unsigned),
  ])
  return { ...unsigned, signature: await key.sign(payload) }
}

/** A bare libp2p node that writes GossipSub RPC frames of its choosing to `target`. */
async function rawGossipSender(target: MeshNode) {
  const key = newPeerKey()
  const node = await createLibp2p({
    privateKey: key,
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
  })
  const stream = await node.dialProtocol(multiaddr(target.multiaddrs[0]), '/meshsub/1.1.0', {
    signal: AbortSignal.timeout(15_000),
  })
  const lp = lpStream(stream)
  return {
    key,
    from: node.peerId.toMultihash().bytes,
    send: (messages: RPC.Message[]) => lp.write(RPC.encode({ subscriptions: [], messages })),
    stop: () => node.stop(),
  }
}

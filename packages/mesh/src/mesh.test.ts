// libp2p integration on loopback: 20 nodes in this process.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Secp256k1Keypair } from '@welkin/crypto'
import {
  encodeUpdates,
  GraphEntry,
  MemoryGraphStore,
  signUpdateSync,
  type Update,
  userSoul,
} from '@welkin/graph'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMeshNode, type MeshNode } from './node.js'
import { FAST_MESH, startMesh, stopAll, waitFor } from './testing.js'

const N = 20
const dir = mkdtempSync(join(tmpdir(), 'welkin-mesh-it-'))
const RESTART = 5
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
// A user-space soul, and a write to it signed by someone else than its owner.
const owner = Secp256k1Keypair.createSync()
const thief = Secp256k1Keypair.createSync()
const ownerSoul = userSoul(owner.did())
const forged = signUpdateSync(
  { soul: ownerSoul, prop: 'bio', value: 'forged', state: Date.now() * 1000 },
  thief,
)
const everywhere = (nodes: MeshNode[], soul: string, prop: string, value: unknown) => () =>
  nodes.every((n) => n.graph.getProp(soul, prop) === value)

describe('a 20-node mesh on loopback', () => {
  let nodes: MeshNode[] = []
  let liar: MeshNode

  beforeAll(async () => {
    nodes = await startMesh(N, { each: (i) => (i === RESTART ? { dataDir: join(dir, 'restart') } : {}) })
    // A node whose graph accepts any signature joins holding the forged write. It joins now, so
    // that its handshakes and DHT walks are done by the time its test needs it.
    const liarStore = new MemoryGraphStore()
    liarStore.putBatch([new GraphEntry(ownerSoul, 'bio', 'forged', forged.state, forged.sig!)])
    liar = createMeshNode({
      ...FAST_MESH,
      store: liarStore,
      bootstrap: [nodes[0].multiaddrs[0]],
      graphOptions: { verifier: { verify: () => true } },
    })
    await liar.start()
  }, 60_000)

  afterAll(async () => {
    await stopAll(liar === undefined ? nodes : [...nodes, liar])
    rmSync(dir, { recursive: true, force: true })
  })

  it('delivers a write made on any node to every node', async () => {
    const origins = [0, 7, 13, 19]
    await Promise.all(origins.map((i) => nodes[i].put(`live/${i}`, { from: i })))
    await waitFor(
      () => origins.every((i) => everywhere(nodes, `live/${i}`, 'from', i)()),
      20_000,
      'every write on every node',
    )
    // Gossip carried them, not anti-entropy: every node took messages from the topic.
    expect(nodes.every((n) => n.diagnostics().messages.in > 0)).toBe(true)
  })

  it('rejects forged and unsigned user-space writes on every node, from sync and from gossip', async () => {
    const soul = ownerSoul
    await nodes[3].put(soul, { name: 'Ann' }, { signer: owner })
    await waitFor(everywhere(nodes, soul, 'name', 'Ann'), 15_000, 'the genuine write everywhere')

    // The liar offers its forged write through anti-entropy: pushing it as initiator, serving
    // it as responder.
    expect(liar.graph.getProp(soul, 'bio')).toBe('forged')
    await waitFor(() => liar.peers().includes(nodes[0].peerId.toString()), 30_000, 'the liar to connect')
    const pushed = await liar.syncWith(nodes[0].peerId.toString())
    expect(pushed.refused).toBe(1)
    const pulled = await nodes[0].syncWith(liar.peerId.toString())
    expect(pulled.rejected).toBe(1)
    expect(nodes[0].counters.rejected.sync).toBeGreaterThanOrEqual(2)
    // Gone before the next writes: its graph would take them and pass them on.
    await liar.stop()

    const now = Date.now() * 1000
    const forgedBio = signUpdateSync({ soul, prop: 'bio', value: 'forged again', state: now }, thief)
    const unsigned: Update = { soul, prop: 'site', value: 'unsigned', state: now }
    const stolen = signUpdateSync({ soul, prop: 'name', value: 'Mallory', state: now + 1 }, thief)
    // Published around node 11's own checks, straight onto the topic.
    const rogue = nodes[11]
    await rogue.node!.services.pubsub.publish(rogue.topic, encodeUpdates([forgedBio, unsigned, stolen]))
    const total = (f: (n: MeshNode) => number) => nodes.reduce((sum, n) => sum + f(n), 0)
    // Rogue's mesh peers refuse all three and forward nothing, so nobody else receives them.
    await waitFor(() => total((n) => n.counters.rejected.gossip) >= 3, 15_000, 'the gossip refusals')
    expect(total((n) => n.diagnostics().messages.rejected)).toBeGreaterThanOrEqual(1)
    for (const n of nodes) expect(n.graph.get(soul)).toEqual({ name: 'Ann' })
  })

  it('keeps the sides of a partition apart, then converges them when it heals', async () => {
    const a = nodes.slice(0, N / 2)
    const b = nodes.slice(N / 2)
    await Promise.all(
      a.flatMap((x) => b.flatMap((y) => [x.ban(y.peerId.toString()), y.ban(x.peerId.toString())])),
    )
    expect(a.every((x) => x.peers().every((p) => !b.some((y) => y.peerId.toString() === p)))).toBe(true)
    await nodes[2].put('split', { a: 'side a' })
    await nodes[15].put('split', { b: 'side b' })
    await sleep(500)
    expect(a.some((n) => n.graph.getProp('split', 'b') !== undefined)).toBe(false)
    expect(b.some((n) => n.graph.getProp('split', 'a') !== undefined)).toBe(false)

    for (const x of nodes) for (const y of nodes) x.unban(y.peerId.toString())
    await Promise.all(b.map((n) => n.reconnect()))
    await waitFor(
      () =>
        nodes.every(
          (n) => n.graph.getProp('split', 'a') === 'side a' && n.graph.getProp('split', 'b') === 'side b',
        ),
      30_000,
      'both sides of the partition everywhere',
    )
  })

  it('catches a restarted node up on the writes it missed', async () => {
    const old = nodes[RESTART]
    const peerId = old.peerId.toString()
    await old.put('before', { kept: true })
    await old.stop()
    for (const i of [0, 9, 17]) await nodes[i].put('missed', { [`w${i}`]: i })
    await waitFor(
      everywhere(
        nodes.filter((n) => n !== old),
        'missed',
        'w17',
        17,
      ),
      15_000,
      'writes elsewhere',
    )

    const bootstrap = [nodes[0].multiaddrs[0], nodes[9].multiaddrs[0]]
    const again = createMeshNode({ ...FAST_MESH, dataDir: join(dir, 'restart'), bootstrap })
    nodes[RESTART] = again
    await again.start()
    expect(again.peerId.toString()).toBe(peerId)
    expect(again.graph.getProp('before', 'kept')).toBe(true)
    // One session repairs all three, though over several round trips: wait for the last.
    await waitFor(
      () => again.graph.soulEntries('missed').length === 3,
      30_000,
      'the restarted node to catch up',
    )
    expect(again.get('missed')?.data).toEqual({ w0: 0, w9: 9, w17: 17 })
    expect(again.diagnostics().sync.sessions + again.diagnostics().sync.served).toBeGreaterThan(0)
  })
})

// Helpers for tests and benchmarks (`@welkin/mesh/testing`): start a mesh of nodes on
// loopback with fast timers, and wait for a condition with a deadline.
import { createStack } from './net/libp2p.js'
import { newPeerKey } from './net/peer-key.js'
import { createMeshNode, type MeshNode, type MeshNodeOptions } from './node.js'

/** Timers for a loopback mesh: quick heartbeats and upkeep, periodic sync every 5 s. */
export const FAST_MESH: MeshNodeOptions = {
  listen: ['/ip4/127.0.0.1/tcp/0'],
  gossipHeartbeatMs: 300,
  maintainIntervalMs: 1000,
  syncIntervalMs: 5000,
  syncTimeoutMs: 20_000,
  minPeers: 3,
}

/** Nodes that the others bootstrap from, spreading the first handshakes over them. */
const SEEDS = 3

export interface StartMeshOptions {
  /** Per-node options. */
  each?: (i: number) => MeshNodeOptions
  /**
   * 'settled' (default): every node knows all its peers are on the topic. 'joined': every node
   * has one peer on the topic (large meshes keep adding connections and rarely all settle).
   */
  ready?: 'settled' | 'joined'
  timeoutMs?: number
}

/**
 * Starts `n` nodes: a few seeds first, then the others in parallel, each bootstrapping from
 * one seed. Resolves once the nodes are `ready`.
 */
export async function startMesh(n: number, opts: StartMeshOptions = {}): Promise<MeshNode[]> {
  const each = opts.each ?? (() => ({}))
  const seeds: MeshNode[] = []
  for (let i = 0; i < Math.min(SEEDS, n); i++) {
    const bootstrap = seeds.length > 0 ? [seeds[0].multiaddrs[0]] : []
    const seed = createMeshNode({ ...FAST_MESH, bootstrap, ...each(i) })
    await seed.start()
    seeds.push(seed)
  }
  const rest = Array.from({ length: n - seeds.length }, (_, i) => {
    const bootstrap = [seeds[i % seeds.length].multiaddrs[0]]
    return createMeshNode({ ...FAST_MESH, bootstrap, ...each(i + seeds.length) })
  })
  await Promise.all(rest.map((node) => node.start()))
  const nodes = [...seeds, ...rest]
  const ready = opts.ready === 'joined' ? joined : settled
  await waitFor(
    () => nodes.every(ready),
    opts.timeoutMs ?? 45_000,
    `every node to be ${opts.ready ?? 'settled'}`,
  )
  return nodes
}

/** Connected, and every connected peer known to be on the topic (gossip reaches them all). */
export function settled(node: MeshNode): boolean {
  const libp2p = node.node
  if (libp2p === undefined) return false
  const peers = libp2p.getPeers().length
  return peers > 0 && libp2p.services.pubsub.getSubscribers(node.topic).length >= peers
}

/** Connected, and at least one peer known to be on the topic. */
export function joined(node: MeshNode): boolean {
  const libp2p = node.node
  return libp2p !== undefined && libp2p.services.pubsub.getSubscribers(node.topic).length > 0
}

export async function stopAll(nodes: readonly MeshNode[]): Promise<void> {
  await Promise.all(nodes.map((node) => node.stop()))
}

/** Polls `cond` every `everyMs` until it holds; rejects after `timeoutMs`. */
export async function waitFor(
  cond: () => boolean,
  timeoutMs: number,
  what: string,
  everyMs = 20,
): Promise<number> {
  const start = performance.now()
  for (;;) {
    if (cond()) return performance.now() - start
    if (performance.now() - start > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, everyMs))
  }
}

/**
 * Two bare libp2p nodes with the mesh's stack, connected, on `topic`: the ceiling that
 * Welkin's gossip path (decode, merge, verify, store) is compared with in benchmarks.
 */
export async function rawGossipPair(topic = '/welkin/bench/raw'): Promise<{
  publish(data: Uint8Array): Promise<void>
  onMessage(cb: (data: Uint8Array) => void): void
  stop(): Promise<void>
}> {
  const make = () =>
    createStack({
      privateKey: newPeerKey(),
      listen: ['/ip4/127.0.0.1/tcp/0'],
      topic,
      localNetwork: true,
      gossipHeartbeatMs: FAST_MESH.gossipHeartbeatMs!,
      maxPeers: 16,
      maxMessageBytes: 2 ** 20,
      isBanned: () => false,
    })
  const [a, b] = await Promise.all([make(), make()])
  await Promise.all([a.start(), b.start()])
  a.services.pubsub.subscribe(topic)
  b.services.pubsub.subscribe(topic)
  await a.dial(b.getMultiaddrs()[0])
  await waitFor(
    () =>
      a.services.pubsub.getSubscribers(topic).length > 0 &&
      b.services.pubsub.getSubscribers(topic).length > 0,
    30_000,
    'the raw pair to subscribe',
  )
  return {
    publish: async (data) => {
      await a.services.pubsub.publish(topic, data)
    },
    onMessage: (cb) => b.services.pubsub.addEventListener('message', (evt) => cb(evt.detail.data)),
    stop: async () => {
      await Promise.all([a.stop(), b.stop()])
    },
  }
}

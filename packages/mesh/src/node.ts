// A mesh node: one @welkin/graph replica, persisted in a GraphStore, kept in step with its
// peers by GossipSub (live updates) and anti-entropy (everything missed while offline or
// partitioned). Every update from every path — local writes, the HTTP API, gossip, sync and
// the store at start-up — passes the graph's checks; refusals are counted per path.
import './polyfills.js'
import { join } from 'node:path'
import type { PeerId, PrivateKey } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import {
  Graph,
  type GraphEntry,
  type GraphStore,
  MemoryGraphStore,
  type MergeResult,
  type PutOptions,
  type Update,
  type Value,
} from '@welkin/graph'
import { buildDiagnostics, type MeshDiagnostics } from './diagnostics.js'
import { MeshError, MeshStoreError } from './errors.js'
import { DEFAULT_TOPIC, Gossip } from './gossip.js'
import { type IngestPath, MeshCounters } from './metrics.js'
import { allLocal, createStack, type MeshLibp2p, parseMultiaddr } from './net/libp2p.js'
import { loadOrCreatePeerKey, newPeerKey } from './net/peer-key.js'
import { Topology } from './net/topology.js'
import { DEFAULT_LISTEN, type MeshNodeOptions, positiveInt } from './node-options.js'
import { SqliteGraphStore } from './store/sqlite.js'
import type { SyncReport } from './sync/initiator.js'
import { type GraphReplica, graphReplica } from './sync/replica.js'
import { SyncService } from './sync/service.js'

export type { MeshNodeOptions } from './node-options.js'

/** A soul as the API returns it: values and HLC states per property. */
export interface SoulView {
  soul: string
  data: Record<string, Value>
  state: Record<string, number>
}

const LOAD_BATCH = 1000
/**
 * Entries per second that anti-entropy may re-gossip. What a session brings in is often news
 * to this node's other peers too (after a partition heals, to a whole side of it), and gossip
 * spreads it faster than each of them syncing in turn. The cap bounds the duplicates a large
 * catch-up would flood; periodic anti-entropy covers the rest.
 */
const REGOSSIP_PER_SECOND = 1000

export function createMeshNode(opts: MeshNodeOptions = {}): MeshNode {
  return new MeshNode(opts)
}

export class MeshNode {
  readonly graph: Graph
  readonly store: GraphStore
  readonly counters = new MeshCounters()
  readonly peerId: PeerId
  readonly topic: string
  private readonly privateKey: PrivateKey
  private readonly ownsStore: boolean
  private readonly banned = new Set<string>()
  private readonly onError: (err: unknown, where: string) => void
  private replica: GraphReplica | undefined
  private libp2p: MeshLibp2p | undefined
  private gossip: Gossip | undefined
  private sync: SyncService | undefined
  private topology: Topology | undefined
  private unwatchStore: (() => void) | undefined
  private writes: Promise<void> = Promise.resolve()
  private regossipTokens = REGOSSIP_PER_SECOND
  private regossipAt = Date.now()
  private tickTimer: NodeJS.Timeout | undefined
  private tickAt = Number.POSITIVE_INFINITY
  private state: 'new' | 'starting' | 'running' | 'stopped' = 'new'

  constructor(private readonly opts: MeshNodeOptions) {
    this.onError = opts.onError ?? (() => {})
    this.topic = opts.topic ?? DEFAULT_TOPIC
    for (const a of [...(opts.listen ?? []), ...(opts.bootstrap ?? [])]) parseMultiaddr(a, 'address')
    this.privateKey =
      opts.privateKey ?? (opts.dataDir ? loadOrCreatePeerKey(join(opts.dataDir, 'peer.key')) : newPeerKey())
    this.peerId = peerIdFromPrivateKey(this.privateKey)
    this.graph = new Graph({
      onListenerError: (err) => this.onError(err, 'graph listener'),
      ...opts.graphOptions,
    })
    this.ownsStore = opts.store === undefined
    this.store =
      opts.store ??
      (opts.dataDir
        ? new SqliteGraphStore({ path: join(opts.dataDir, 'graph.sqlite') })
        : new MemoryGraphStore())
  }

  get running(): boolean {
    return this.state === 'running'
  }

  get multiaddrs(): string[] {
    return this.libp2p?.getMultiaddrs().map(String) ?? []
  }

  /** Connected peer ids. */
  peers(): string[] {
    return this.libp2p?.getPeers().map(String) ?? []
  }

  async start(): Promise<void> {
    if (this.state !== 'new') throw new MeshError(`node cannot start: it is ${this.state}`)
    this.state = 'starting'
    try {
      await this.load()
      this.replica = graphReplica(this.graph, (updates) => this.ingest(updates, 'sync'))
      this.unwatchStore = this.graph.watch((batch) => this.persist(batch))
      const o = this.opts
      const listen = o.listen ?? DEFAULT_LISTEN
      const maxMessageBytes = positiveInt('maxMessageBytes', o.maxMessageBytes, 2 ** 20, 1024)
      const libp2p = await createStack({
        privateKey: this.privateKey,
        listen,
        topic: this.topic,
        localNetwork: o.localNetwork ?? allLocal(listen),
        gossipHeartbeatMs: positiveInt('gossipHeartbeatMs', o.gossipHeartbeatMs, 1000, 10),
        ...(o.pingIntervalMs === undefined
          ? {}
          : { pingIntervalMs: positiveInt('pingIntervalMs', o.pingIntervalMs, 0, 100) }),
        maxPeers: positiveInt('maxPeers', o.maxPeers, 64),
        maxMessageBytes,
        isBanned: (peer) => this.banned.has(peer.toString()),
      })
      this.libp2p = libp2p
      this.gossip = new Gossip(
        libp2p.services.pubsub,
        this.topic,
        this.counters,
        (u) => this.ingest(u, 'gossip'),
        maxMessageBytes,
      )
      this.sync = new SyncService(libp2p, this.replica, this.counters, {
        intervalMs: positiveInt('syncIntervalMs', o.syncIntervalMs, 30_000, 0),
        timeoutMs: positiveInt('syncTimeoutMs', o.syncTimeoutMs, 60_000, 100),
        idleMs: 15_000,
        maxServed: 16,
        onError: this.onError,
      })
      await this.sync.start()
      await libp2p.start()
      this.gossip.start()
      this.topology = new Topology(libp2p, {
        bootstrap: (o.bootstrap ?? []).map((a) => parseMultiaddr(a, 'bootstrap address')),
        minPeers: positiveInt('minPeers', o.minPeers, 8),
        intervalMs: positiveInt('maintainIntervalMs', o.maintainIntervalMs, 10_000, 10),
        dialTimeoutMs: positiveInt('dialTimeoutMs', o.dialTimeoutMs, 10_000, 10),
        isBanned: (peer) => this.banned.has(peer.toString()),
        onError: this.onError,
      })
      this.topology.start()
      this.state = 'running'
    } catch (err) {
      await this.stop()
      throw err
    }
  }

  /** Stops networking and closes the store it opened. A stopped node cannot start again. */
  async stop(): Promise<void> {
    if (this.state === 'stopped') return
    this.state = 'stopped'
    clearTimeout(this.tickTimer)
    this.topology?.stop()
    this.gossip?.stop()
    await this.sync?.stop()
    await this.libp2p?.stop()
    this.replica?.detach()
    this.unwatchStore?.()
    await this.writes
    if (this.ownsStore) (this.store as { close?: () => void }).close?.()
  }

  /** A local write (signed with `opts.signer` in user space), stored, then gossiped. */
  async put(soul: string, props: Readonly<Record<string, Value>>, opts?: PutOptions): Promise<GraphEntry[]> {
    this.assertRunning()
    const failures = this.counters.storeErrors
    const entries = this.graph.put(soul, props, opts)
    await this.afterWrite(failures)
    await this.publish(entries)
    return entries
  }

  /**
   * Updates made elsewhere (e.g. signed by a client): merged through the graph's checks,
   * stored, and the ones that changed this replica gossiped.
   */
  async putUpdates(updates: Update[]): Promise<MergeResult> {
    this.assertRunning()
    const failures = this.counters.storeErrors
    const result = this.ingest(updates, 'api')
    await this.afterWrite(failures)
    await this.publish(result.changed)
    return result
  }

  get(soul: string): SoulView | undefined {
    if (!this.graph.has(soul)) return undefined
    const data: Record<string, Value> = {}
    const state: Record<string, number> = {}
    for (const e of this.graph.soulEntries(soul)) {
      data[e.prop] = e.value
      state[e.prop] = e.state
    }
    return { soul, data, state }
  }

  /** Runs one anti-entropy session with a connected peer now. */
  syncWith(peerId: string): Promise<SyncReport> {
    this.assertRunning()
    const peer = this.libp2p!.getPeers().find((p) => p.toString() === peerId)
    if (peer === undefined) throw new MeshError(`not connected to ${peerId}`)
    return this.sync!.syncWith(peer)
  }

  async dial(addr: string): Promise<void> {
    this.assertRunning()
    await this.libp2p!.dial(parseMultiaddr(addr, 'address'))
  }

  /** Refuses all connections with a peer (and drops the current ones) until `unban`. */
  async ban(peerId: string): Promise<void> {
    this.banned.add(peerId)
    const peer = this.libp2p?.getPeers().find((p) => p.toString() === peerId)
    if (peer !== undefined) await this.libp2p!.hangUp(peer)
  }

  unban(peerId: string): void {
    this.banned.delete(peerId)
  }

  diagnostics(): MeshDiagnostics {
    return buildDiagnostics(this)
  }

  /** The libp2p node, for diagnostics and tests; undefined before start. */
  get node(): MeshLibp2p | undefined {
    return this.libp2p
  }

  /** Redials the bootstrap peers now, and tops up peers if short (e.g. after a network change). */
  async reconnect(): Promise<void> {
    await this.topology?.redialBootstrap()
    await this.topology?.maintain()
  }

  /** The write is stored already: a failed publish is reported, and anti-entropy delivers it. */
  private async publish(entries: readonly GraphEntry[]): Promise<void> {
    try {
      await this.gossip?.publish(entries)
    } catch (err) {
      this.onError(err, 'publishing to gossip')
    }
  }

  private assertRunning(): void {
    if (this.state !== 'running') throw new MeshError(`node is ${this.state}, not running`)
  }

  private ingest(updates: Update[], path: IngestPath): MergeResult {
    const result = this.graph.merge(updates)
    this.counters.rejected[path] += result.rejected.length
    if (result.deferred.length > 0) this.scheduleTick()
    if (path === 'sync' && result.changed.length > 0) this.regossip(result.changed)
    return result
  }

  private regossip(entries: readonly GraphEntry[]): void {
    const now = Date.now()
    this.regossipTokens = Math.min(
      REGOSSIP_PER_SECOND,
      this.regossipTokens + ((now - this.regossipAt) * REGOSSIP_PER_SECOND) / 1000,
    )
    this.regossipAt = now
    const n = Math.min(entries.length, Math.floor(this.regossipTokens))
    if (n === 0 || this.gossip === undefined) return
    this.regossipTokens -= n
    void this.publish(entries.slice(0, n))
  }

  private async load(): Promise<void> {
    let batch: Update[] = []
    for await (const e of this.store.iterate()) {
      batch.push(e)
      if (batch.length >= LOAD_BATCH) {
        this.ingest(batch, 'load')
        batch = []
      }
    }
    this.ingest(batch, 'load')
  }

  private persist(batch: readonly GraphEntry[]): void {
    try {
      const pending = this.store.putBatch(batch)
      if (pending instanceof Promise)
        this.writes = this.writes.then(() => pending).catch((err) => this.storeFailed(err))
    } catch (err) {
      this.storeFailed(err)
    }
  }

  private storeFailed(err: unknown): void {
    this.counters.storeErrors++
    this.onError(err, 'writing the graph store')
  }

  private async afterWrite(failuresBefore: number): Promise<void> {
    await this.writes
    if (this.counters.storeErrors !== failuresBefore)
      throw new MeshStoreError('the write was applied in memory but the graph store failed to save it')
  }

  private scheduleTick(): void {
    const at = this.graph.nextDeferredAt()
    if (at === undefined || at >= this.tickAt || this.state === 'stopped') return
    clearTimeout(this.tickTimer)
    this.tickAt = at
    const delay = Math.min(Math.max(0, at - this.graph.clock.now()), 2 ** 31 - 1)
    this.tickTimer = setTimeout(() => {
      this.tickAt = Number.POSITIVE_INFINITY
      this.graph.tick()
      this.scheduleTick()
    }, delay)
    this.tickTimer.unref()
  }
}

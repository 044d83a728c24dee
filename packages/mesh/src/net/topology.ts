// Keeps a node connected: dials the bootstrap peers at start, and whenever it has fewer than
// `minPeers` connections, redials the bootstrap peers and dials peers it has learned of
// (identify and DHT responses fill the peer store), asking the DHT for more when it knows
// none. Gossip needs a connected mesh; a lone node would only catch up by anti-entropy.
import { setMaxListeners } from 'node:events'
import type { Libp2p, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { peerIdOf } from './libp2p.js'

export interface TopologyOptions {
  bootstrap: Multiaddr[]
  minPeers: number
  intervalMs: number
  dialTimeoutMs: number
  isBanned(peer: PeerId): boolean
  onError(err: unknown, where: string): void
}

export class Topology {
  private timer: NodeJS.Timeout | undefined
  /** Bootstrap addresses whose last dial failed: reported once, not every round. */
  private readonly failing = new Set<string>()
  private busy = false
  private stopped = false
  /** DHT walks back off (doubling, up to 5 minutes) while they turn up nobody new. */
  private discoverEvery: number
  private nextDiscover = 0

  constructor(
    private readonly libp2p: Libp2p,
    private readonly opts: TopologyOptions,
  ) {
    this.discoverEvery = opts.intervalMs
  }

  start(): void {
    void this.maintain()
    this.timer = setInterval(() => void this.maintain(), this.opts.intervalMs)
    this.timer.unref()
  }

  stop(): void {
    this.stopped = true
    clearInterval(this.timer)
  }

  /** Dials every bootstrap peer not connected now, however many peers the node has. */
  async redialBootstrap(): Promise<void> {
    await Promise.allSettled(this.bootstrapDials(new Set(this.libp2p.getPeers().map(String))))
  }

  /** One round of upkeep; skipped while the previous one runs. */
  async maintain(): Promise<void> {
    if (this.busy || this.stopped) return
    this.busy = true
    try {
      const connected = new Set(this.libp2p.getPeers().map(String))
      if (connected.size >= this.opts.minPeers) return
      const dials = this.bootstrapDials(connected)
      const want = this.opts.minPeers - connected.size
      let candidates = await this.candidates(connected)
      if (candidates.length === 0 && connected.size > 0 && Date.now() >= this.nextDiscover) {
        await this.discover()
        candidates = await this.candidates(connected)
        this.discoverEvery =
          candidates.length > 0 ? this.opts.intervalMs : Math.min(this.discoverEvery * 2, 300_000)
        this.nextDiscover = Date.now() + this.discoverEvery
      }
      for (const peer of candidates.slice(0, want)) dials.push(this.dial(peer).catch(() => {}))
      await Promise.allSettled(dials)
    } catch (err) {
      if (!this.stopped) this.opts.onError(err, 'topology upkeep')
    } finally {
      this.busy = false
    }
  }

  private bootstrapDials(connected: Set<string>): Promise<void>[] {
    const self = this.libp2p.peerId.toString()
    return this.opts.bootstrap
      .filter((ma) => {
        const id = peerIdOf(ma)
        return id !== self && (id === undefined || !connected.has(id))
      })
      .map((ma) => this.dialBootstrap(ma))
  }

  private async candidates(connected: Set<string>): Promise<PeerId[]> {
    const self = this.libp2p.peerId.toString()
    const known = await this.libp2p.peerStore.all()
    const out = known
      .filter((p) => p.addresses.length > 0 && !connected.has(p.id.toString()) && p.id.toString() !== self)
      .filter((p) => !this.opts.isBanned(p.id))
      .map((p) => p.id)
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1))
      ;[out[i], out[j]] = [out[j], out[i]]
    }
    return out
  }

  /** A DHT walk towards a random key: every peer it meets lands in the peer store. */
  private async discover(): Promise<void> {
    const key = globalThis.crypto.getRandomValues(new Uint8Array(32))
    const signal = AbortSignal.timeout(this.opts.dialTimeoutMs)
    try {
      for await (const _ of this.libp2p.peerRouting.getClosestPeers(key, { signal })) {
        if (this.stopped) break
      }
    } catch {
      // A walk that times out or finds nobody still leaves what it met in the peer store.
    }
  }

  private async dialBootstrap(ma: Multiaddr): Promise<void> {
    const key = ma.toString()
    try {
      await this.dial(ma)
      this.failing.delete(key)
    } catch (err) {
      if (this.stopped || this.failing.has(key)) return
      this.failing.add(key)
      this.opts.onError(err, `dialling bootstrap peer ${key}`)
    }
  }

  private async dial(target: PeerId | Multiaddr): Promise<void> {
    if (this.stopped) return
    const signal = AbortSignal.timeout(this.opts.dialTimeoutMs)
    // libp2p joins concurrent dials to one peer, each adding a listener to the first signal.
    setMaxListeners(Number.POSITIVE_INFINITY, signal)
    await this.libp2p.dial(target, { signal })
  }
}

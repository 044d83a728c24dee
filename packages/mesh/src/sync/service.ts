// Anti-entropy over libp2p: serves `/welkin/sync/1` (length-prefixed frames), and starts
// sessions when a peer connects and periodically with a random peer. On a new connection
// only the side with the smaller peer id starts, since one session repairs both sides.
import { setMaxListeners } from 'node:events'
import type { Libp2p, PeerId, Stream } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import { SyncError } from '../errors.js'
import type { MeshCounters } from '../metrics.js'
import { runSync, type SyncReport } from './initiator.js'
import { SYNC_LIMITS, SYNC_PROTOCOL } from './messages.js'
import type { SyncReplica } from './replica.js'
import { SyncResponder } from './responder.js'

export interface SyncServiceOptions {
  /** Sync with a random peer this often; 0 turns periodic sync off. */
  intervalMs: number
  /** Whole-session deadline, both sides. */
  timeoutMs: number
  /** Longest wait for the next frame when answering. */
  idleMs: number
  /** Most sessions answered at once. */
  maxServed: number
  onError(err: unknown, where: string): void
}

const lpOptions = { maxDataLength: SYNC_LIMITS.maxFrameBytes, maxBufferSize: SYNC_LIMITS.maxFrameBytes + 16 }

export class SyncService {
  private readonly responder: SyncResponder
  private readonly running = new Map<string, Promise<SyncReport>>()
  private readonly stopper = new AbortController()
  private timer: NodeJS.Timeout | undefined
  private served = 0

  constructor(
    private readonly libp2p: Libp2p,
    private readonly replica: SyncReplica,
    private readonly counters: MeshCounters,
    private readonly opts: SyncServiceOptions,
  ) {
    this.responder = new SyncResponder(replica)
    // Every session listens on this signal; the default cap of 10 would warn about a leak.
    setMaxListeners(Number.POSITIVE_INFINITY, this.stopper.signal)
  }

  async start(): Promise<void> {
    await this.libp2p.handle(SYNC_PROTOCOL, (stream) => this.serve(stream), {
      maxInboundStreams: 2,
      maxOutboundStreams: 2,
    })
    this.libp2p.addEventListener('peer:connect', this.onConnect)
    if (this.opts.intervalMs > 0) {
      this.timer = setInterval(() => this.syncRandomPeer(), this.opts.intervalMs)
      this.timer.unref()
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer)
    this.libp2p.removeEventListener('peer:connect', this.onConnect)
    this.stopper.abort(new SyncError('closed', 'node stopping'))
    await Promise.allSettled(this.running.values())
    await this.libp2p.unhandle(SYNC_PROTOCOL).catch(() => {})
  }

  /** One session with `peer`; joins the running one if there is one. */
  syncWith(peer: PeerId): Promise<SyncReport> {
    const key = peer.toString()
    const existing = this.running.get(key)
    if (existing !== undefined) return existing
    const session = this.initiate(peer).finally(() => this.running.delete(key))
    this.running.set(key, session)
    return session
  }

  private readonly onConnect = (evt: CustomEvent<PeerId>): void => {
    const peer = evt.detail
    if (this.libp2p.peerId.toString() < peer.toString()) this.background(peer, 'sync on connect')
  }

  private syncRandomPeer(): void {
    const peers = this.libp2p.getPeers()
    if (peers.length > 0) this.background(peers[Math.floor(Math.random() * peers.length)], 'periodic sync')
  }

  private background(peer: PeerId, where: string): void {
    this.syncWith(peer).catch((err) => {
      if (!this.stopper.signal.aborted) this.opts.onError(err, `${where} with ${peer}`)
    })
  }

  private async initiate(peer: PeerId): Promise<SyncReport> {
    const signal = AbortSignal.any([this.stopper.signal, AbortSignal.timeout(this.opts.timeoutMs)])
    setMaxListeners(Number.POSITIVE_INFINITY, signal)
    this.counters.syncSessions++
    let stream: Stream | undefined
    try {
      stream = await this.libp2p.dialProtocol(peer, SYNC_PROTOCOL, { signal })
      const lp = lpStream(stream, lpOptions)
      const report = await runSync(
        this.replica,
        {
          request: async (frame) => {
            await lp.write(frame, { signal })
            return (await lp.read({ signal })).subarray()
          },
        },
        { signal },
      )
      await stream.close({ signal })
      this.counters.syncRounds += report.rounds
      this.counters.syncBytesSent += report.bytesSent
      this.counters.syncBytesReceived += report.bytesReceived
      this.counters.syncEntriesReceived += report.received
      this.counters.syncEntriesSent += report.sent
      this.counters.lastSyncAt = Date.now()
      return report
    } catch (err) {
      this.counters.syncFailures++
      stream?.abort(err as Error)
      throw err
    }
  }

  private async serve(stream: Stream): Promise<void> {
    if (this.served >= this.opts.maxServed) {
      this.counters.syncBusy++
      stream.abort(new SyncError('limit', 'too many sync sessions'))
      return
    }
    this.served++
    this.counters.syncServed++
    const deadline = AbortSignal.any([this.stopper.signal, AbortSignal.timeout(this.opts.timeoutMs)])
    setMaxListeners(Number.POSITIVE_INFINITY, deadline)
    const lp = lpStream(stream, lpOptions)
    try {
      for (;;) {
        let frame: Uint8Array
        try {
          const signal = AbortSignal.any([deadline, AbortSignal.timeout(this.opts.idleMs)])
          frame = (await lp.read({ signal })).subarray()
        } catch (err) {
          // The initiator closing its end between frames is how a session ends.
          if ((err as Error).name === 'UnexpectedEOFError') break
          throw err
        }
        await lp.write(this.responder.handle(frame), { signal: deadline })
      }
      await stream.close({ signal: deadline })
    } catch (err) {
      this.counters.syncServedFailures++
      stream.abort(err as Error)
      if (!this.stopper.signal.aborted) this.opts.onError(err, 'serving sync')
    } finally {
      this.served--
    }
  }
}

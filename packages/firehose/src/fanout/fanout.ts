// Server-side fan-out for subscribeRepos-style streams, used by the PDS and the relay. The
// producer persists each event, then calls publish(seq, frame) with the frame bytes encoded
// once; every subscriber is sent those same bytes.
import { FanoutError } from '../errors.js'
import type { EventLog } from './event-log.js'
import { startSubscription } from './replay.js'
import { FanoutSubscription } from './subscription.js'

export interface EventFanoutOptions {
  /** Frames queued per subscriber before it is cut off with ConsumerTooSlow (default 2,000). */
  maxBufferFrames?: number
  /** Bytes queued per subscriber before it is cut off (default 32 MiB). */
  maxBufferBytes?: number
  /** Events per log read while replaying (default 500). */
  replayBatch?: number
  /** Subscribers at once; more are refused with a FanoutError (default unlimited). */
  maxSubscribers?: number
}

export interface SubscribeOptions {
  /** Last seq the subscriber processed; undefined for live only, 0 for the whole window. */
  cursor?: number
  signal?: AbortSignal
}

export class EventFanout {
  readonly log: EventLog
  readonly replayBatch: number
  private readonly limits: { maxFrames: number; maxBytes: number }
  private readonly maxSubscribers: number
  private readonly all = new Set<FanoutSubscription>()
  private live: FanoutSubscription[] = []
  private published: number | undefined
  private closed = false

  constructor(log: EventLog, opts: EventFanoutOptions = {}) {
    this.log = log
    this.replayBatch = opts.replayBatch ?? 500
    this.limits = {
      maxFrames: opts.maxBufferFrames ?? 2000,
      maxBytes: opts.maxBufferBytes ?? 32 * 1024 * 1024,
    }
    this.maxSubscribers = opts.maxSubscribers ?? Number.POSITIVE_INFINITY
    if (!(this.replayBatch >= 1) || !(this.limits.maxFrames >= 1) || !(this.limits.maxBytes >= 1)) {
      throw new FanoutError('replayBatch, maxBufferFrames and maxBufferBytes must be at least 1')
    }
  }

  get lastPublished(): number | undefined {
    return this.published
  }

  get subscriberCount(): number {
    return this.all.size
  }

  /** Subscribers, the deepest queue among them (the one nearest a cut-off), and all queued bytes. */
  get stats(): { subscribers: number; maxQueuedFrames: number; queuedBytes: number } {
    let maxQueuedFrames = 0
    let queuedBytes = 0
    for (const sub of this.all) {
      const q = sub.queued
      if (q.frames > maxQueuedFrames) maxQueuedFrames = q.frames
      queuedBytes += q.bytes
    }
    return { subscribers: this.all.size, maxQueuedFrames, queuedBytes }
  }

  /**
   * Announces a persisted event to live subscribers. Seqs must strictly increase, and the event
   * must already be readable from the log (that is what makes the replay/live switch gap-free).
   */
  publish(seq: number, frame: Uint8Array): void {
    if (this.closed) throw new FanoutError('publish after close')
    if (!Number.isSafeInteger(seq) || seq < 1) throw new FanoutError(`seq ${seq} is not a positive integer`)
    if (this.published !== undefined && seq <= this.published) {
      throw new FanoutError(`seq ${seq} published after ${this.published}`)
    }
    this.published = seq
    const live = this.live
    for (let i = 0; i < live.length; i++) live[i].offer(seq, frame)
  }

  /**
   * A subscriber's stream of frames from `cursor`: an async iterable for the XRPC server, which
   * also offers poll()/onReadable() for a synchronous pump (see attachWebSocket).
   */
  subscribe(opts: SubscribeOptions = {}): FanoutSubscription {
    if (this.closed) throw new FanoutError('subscribe after close')
    if (this.all.size >= this.maxSubscribers)
      throw new FanoutError(`at most ${this.maxSubscribers} subscribers`)
    const { cursor, signal } = opts
    if (cursor !== undefined && (!Number.isSafeInteger(cursor) || cursor < 0)) {
      throw new FanoutError(`cursor ${cursor} is not a non-negative integer`)
    }
    const onAbort = (): void => sub.close()
    const sub = new FanoutSubscription(this.limits, (s) => {
      this.remove(s)
      signal?.removeEventListener('abort', onAbort)
    })
    this.all.add(sub)
    if (signal) {
      if (signal.aborted) sub.close()
      else signal.addEventListener('abort', onAbort, { once: true })
    }
    if (!sub.isClosed) void startSubscription(this, sub, cursor)
    return sub
  }

  addLive(sub: FanoutSubscription): void {
    if (this.all.has(sub) && !this.live.includes(sub)) this.live = [...this.live, sub]
  }

  /** Ends every subscription (their iterators finish after what is queued). */
  close(): void {
    this.closed = true
    for (const sub of [...this.all]) sub.end('closed')
  }

  private remove(sub: FanoutSubscription): void {
    this.all.delete(sub)
    const i = this.live.indexOf(sub)
    // Copy on write: publish() may be iterating the current array.
    if (i >= 0) this.live = this.live.filter((s) => s !== sub)
  }
}

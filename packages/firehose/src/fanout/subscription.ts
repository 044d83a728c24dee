// One subscriber's side of the fan-out: a bounded queue of frame bytes, drained either as an
// async iterable (for the XRPC server) or synchronously by the ws pump. Nothing here grows
// without bound: past its limits a subscriber is cut off with ConsumerTooSlow.
import { Fifo } from '../fifo.js'
import { encodeErrorFrame } from '../frame/encode.js'
import { CONSUMER_TOO_SLOW } from '../frame/types.js'

export interface FanoutSubscriptionLimits {
  /** Frames queued for this subscriber (live ones and those held during the replay/live switch). */
  maxFrames: number
  /** Bytes of those frames. */
  maxBytes: number
}

type State = 'replay' | 'cutover' | 'live' | 'ending' | 'closed'

export class FanoutSubscription implements AsyncIterableIterator<Uint8Array> {
  /** Seq of the last frame queued (or the cursor it started from). */
  lastSeq = 0
  private state: State = 'replay'
  private readonly queue = new Fifo<Uint8Array>()
  private queuedBytes = 0
  private held = new Fifo<{ seq: number; frame: Uint8Array }>()
  private heldBytes = 0
  private readable: (() => void) | undefined
  private space: (() => void) | undefined
  private failure: Error | undefined
  private endReason: string | undefined
  private endListeners: ((reason: string) => void)[] = []

  constructor(
    private readonly limits: FanoutSubscriptionLimits,
    private readonly onClose: (sub: FanoutSubscription) => void,
  ) {}

  /** Why the stream ended: an error name sent to the subscriber, 'closed' or 'failed'. */
  get reason(): string | undefined {
    return this.endReason
  }

  get isClosed(): boolean {
    return this.state === 'closed'
  }

  /** No frame will be queued any more and the queue is empty. */
  get drained(): boolean {
    return (this.state === 'ending' || this.state === 'closed') && this.queue.length === 0
  }

  get queued(): { frames: number; bytes: number } {
    return { frames: this.queue.length + this.held.length, bytes: this.queuedBytes + this.heldBytes }
  }

  // --- producer side (the fan-out and the replay) -------------------------------------------

  /** A live event from publish(): queued, held during the switch to live, or a cut-off. */
  offer(seq: number, frame: Uint8Array): void {
    if (this.state === 'live') {
      if (seq > this.lastSeq) this.enqueue(seq, frame)
    } else if (this.state === 'cutover') {
      if (this.held.length >= this.limits.maxFrames || this.heldBytes + frame.length > this.limits.maxBytes) {
        this.tooSlow()
        return
      }
      this.held.push({ seq, frame })
      this.heldBytes += frame.length
    }
  }

  /** Queues a replayed or live frame; a full queue means the subscriber fell behind. */
  enqueue(seq: number, frame: Uint8Array): void {
    if (this.state === 'ending' || this.state === 'closed') return
    if (
      this.queue.length >= this.limits.maxFrames ||
      this.queuedBytes + frame.length > this.limits.maxBytes
    ) {
      this.tooSlow()
      return
    }
    this.lastSeq = seq
    this.push(frame)
  }

  /** Queues a seq-less frame (an #info) ahead of what follows. */
  enqueueInfo(frame: Uint8Array): void {
    this.push(frame)
  }

  /** Replay pacing: resolves once the queue is at most half full (or the stream ended). */
  waitForSpace(): Promise<void> {
    if (!this.isFullish() || this.state === 'ending' || this.state === 'closed') return Promise.resolve()
    return new Promise((resolve) => {
      this.space = resolve
    })
  }

  get replaying(): boolean {
    return this.state === 'replay' || this.state === 'cutover'
  }

  /** Live events from now on are held until `goLive`, so none is missed during the last reads. */
  beginCutover(): void {
    if (this.state === 'replay') this.state = 'cutover'
  }

  /** Releases held events newer than the replay, then queues live events directly. */
  goLive(): void {
    if (this.state !== 'cutover' && this.state !== 'replay') return
    this.state = 'live'
    const held = this.held
    this.held = new Fifo()
    this.heldBytes = 0
    for (let e = held.shift(); e !== undefined; e = held.shift()) {
      if (e.seq > this.lastSeq) this.enqueue(e.seq, e.frame)
    }
  }

  /** Ends the stream: `errorFrame` (if any) goes after the queued frames, or instead of them. */
  end(reason: string, errorFrame?: Uint8Array, dropQueued = false): void {
    if (this.state === 'ending' || this.state === 'closed') return
    if (dropQueued) {
      this.queue.clear()
      this.queuedBytes = 0
    }
    this.held.clear()
    this.heldBytes = 0
    this.state = 'ending'
    this.endReason = reason
    if (errorFrame) this.push(errorFrame)
    this.onClose(this)
    this.notify()
    this.releaseSpace()
    const listeners = this.endListeners
    this.endListeners = []
    for (const l of listeners) l(reason)
  }

  /** Calls `cb` once the stream is ending (at once if it already is), with the reason. */
  onEnd(cb: (reason: string) => void): void {
    if (this.endReason !== undefined) cb(this.endReason)
    else this.endListeners.push(cb)
  }

  /** The event log failed: the iterator throws once the queue is drained. */
  fail(err: Error): void {
    this.failure = err
    this.end('failed')
  }

  /** Cuts the subscriber off: its queue is dropped and a ConsumerTooSlow error frame sent. */
  tooSlow(message = 'subscriber fell behind the stream'): void {
    this.end(CONSUMER_TOO_SLOW, encodeErrorFrame(CONSUMER_TOO_SLOW, message), true)
  }

  private isFullish(): boolean {
    return this.queue.length * 2 > this.limits.maxFrames || this.queuedBytes * 2 > this.limits.maxBytes
  }

  private push(frame: Uint8Array): void {
    this.queue.push(frame)
    this.queuedBytes += frame.length
    this.notify()
  }

  private notify(): void {
    const r = this.readable
    if (r) {
      this.readable = undefined
      r()
    }
  }

  // --- consumer side -------------------------------------------------------------------------

  /** Takes the next queued frame without waiting, or undefined. */
  poll(): Uint8Array | undefined {
    const frame = this.queue.shift()
    if (frame === undefined) {
      if (this.state === 'ending') this.finish()
      return undefined
    }
    this.queuedBytes -= frame.length
    if (!this.isFullish()) this.releaseSpace()
    return frame
  }

  /** Calls `cb` once when a frame is queued or the stream ends (at once if either holds). */
  onReadable(cb: () => void): void {
    if (this.queue.length > 0 || this.state === 'ending' || this.state === 'closed') {
      cb()
      return
    }
    this.readable = cb
  }

  async next(): Promise<IteratorResult<Uint8Array, undefined>> {
    for (;;) {
      const frame = this.poll()
      if (frame !== undefined) return { value: frame, done: false }
      if (this.state === 'closed') {
        if (this.failure) {
          const err = this.failure
          this.failure = undefined
          throw err
        }
        return { value: undefined, done: true }
      }
      await new Promise<void>((resolve) => this.onReadable(resolve))
    }
  }

  /** The subscriber went away: drop everything and stop receiving. */
  async return(): Promise<IteratorResult<Uint8Array, undefined>> {
    this.close()
    return { value: undefined, done: true }
  }

  close(): void {
    if (this.state === 'closed') return
    if (this.state !== 'ending') this.end('closed')
    this.queue.clear()
    this.queuedBytes = 0
    this.failure = undefined
    this.finish()
  }

  [Symbol.asyncIterator](): this {
    return this
  }

  private finish(): void {
    this.state = 'closed'
    this.releaseSpace()
    this.notify()
  }

  private releaseSpace(): void {
    const s = this.space
    this.space = undefined
    s?.()
  }
}

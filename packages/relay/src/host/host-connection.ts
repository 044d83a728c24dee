// One upstream host: its subscription (the firehose consumer: reconnects with backoff, pauses
// the socket under backpressure), a PerDidRunner (per-account order, accounts concurrent, a
// cursor over the contiguous finished prefix, which is what gets persisted), its event-rate
// bucket, and the facts its status is derived from.
import {
  ConnectionError,
  type FirehoseError,
  type FirehoseSubscription,
  FrameError,
  InvalidMessageError,
  messageDid,
  messageSeq,
  PerDidRunner,
  type RepoMessage,
  StreamErrorFrame,
  subscribeRepos,
} from '@welkin/firehose'
import type { HostLimits } from '../config.js'
import { guardedLookup, type HostPolicy, hostStreamUrl } from '../hostname.js'
import type { HostContext, IngestProcessor } from '../ingest/processor.js'
import type { LimitedLogger } from '../logger.js'
import type { RelayCounters } from '../metrics.js'
import type { HostRow } from '../state/host-store.js'
import { type Gate, TokenBucket } from '../util/token-bucket.js'

export type HostStatus = 'active' | 'idle' | 'offline' | 'throttled' | 'banned'

export interface HostConnectionDeps {
  processor: IngestProcessor
  counters: RelayCounters
  gate: Gate
  policy: HostPolicy
  maxFrameBytes: number
  logger: LimitedLogger
  /** Per-account tasks in flight per host (default 32). */
  concurrency?: number
  /** A host with no event for this long is idle (default 10 min). */
  idleAfterMs?: number
  /** Reconnect backoff (tests shorten it). */
  reconnect?: { minDelayMs?: number; maxDelayMs?: number }
  now?: () => number
}

const BURST_SECONDS = 10
// Forced identity resolutions a host may cause: a hostile host cannot turn the relay into a
// resolution amplifier (sync.md "Security Concerns").
const IDENTITY_REFRESH_PER_SEC = 10
// Accounts seen for the first time, resolved at this pace per host (a trusted host's limit is
// its event rate): a host cannot make the relay resolve DIDs faster than it could post them.
const NEW_ACCOUNTS_PER_SEC = 50

export class HostConnection implements HostContext {
  readonly id: number
  readonly hostname: string
  accountLimit: number
  accountCount = 0
  banned: boolean
  eventsPerSecond: number
  /** The cursor last persisted (what getHostStatus reports). */
  persistedCursor: number | null
  lastEventAt = 0
  /** How far behind the host's own clock the last event was read (ms). */
  lagMs = 0
  lastErrorAt = 0
  lastError: string | undefined
  /** Set when the subscription ended for good (FutureCursor, HTTP 501) until restarted. */
  ended: string | undefined
  private throttledUntil = 0
  private runner: PerDidRunner | undefined
  private sub: FirehoseSubscription | undefined
  private abort: AbortController | undefined
  private readonly bucket: TokenBucket
  private readonly identityBucket: TokenBucket
  private readonly resolutionBucket: TokenBucket
  private readonly now: () => number

  constructor(
    row: HostRow,
    private readonly deps: HostConnectionDeps,
  ) {
    this.id = row.id
    this.hostname = row.hostname
    this.banned = row.banned
    this.accountLimit = row.limits.accountLimit
    this.eventsPerSecond = row.limits.eventsPerSecond
    this.persistedCursor = row.cursor
    this.now = deps.now ?? Date.now
    this.bucket = new TokenBucket(this.eventsPerSecond, this.eventsPerSecond * BURST_SECONDS, this.now)
    this.identityBucket = new TokenBucket(IDENTITY_REFRESH_PER_SEC, IDENTITY_REFRESH_PER_SEC * 10, this.now)
    const resolutions = Math.max(NEW_ACCOUNTS_PER_SEC, this.eventsPerSecond)
    this.resolutionBucket = new TokenBucket(resolutions, resolutions * BURST_SECONDS, this.now)
  }

  get running(): boolean {
    return this.sub !== undefined
  }

  /** The highest upstream seq with it and everything before it processed. */
  get cursor(): number | null {
    return this.runner?.cursor ?? this.persistedCursor
  }

  get status(): HostStatus {
    if (this.banned) return 'banned'
    if (this.throttledUntil > this.now()) return 'throttled'
    if (!this.sub || this.ended) return 'offline'
    if (this.lastErrorAt > this.lastEventAt) return 'offline'
    const idleAfter = this.deps.idleAfterMs ?? 600_000
    if (this.lastEventAt === 0 || this.now() - this.lastEventAt > idleAfter) return 'idle'
    return 'active'
  }

  get queued(): number {
    const s = this.runner?.stats
    return s ? s.running + s.queued + s.waiting : 0
  }

  setLimits(limits: HostLimits): void {
    this.accountLimit = limits.accountLimit
    this.eventsPerSecond = limits.eventsPerSecond
    this.bucket.setRate(limits.eventsPerSecond, limits.eventsPerSecond * BURST_SECONDS)
    const resolutions = Math.max(NEW_ACCOUNTS_PER_SEC, limits.eventsPerSecond)
    this.resolutionBucket.setRate(resolutions, resolutions * BURST_SECONDS)
  }

  allowIdentityRefresh(): boolean {
    return this.identityBucket.tryTake()
  }

  async resolutionSlot(): Promise<void> {
    while (!this.resolutionBucket.tryTake()) {
      await new Promise((r) => setTimeout(r, Math.max(this.resolutionBucket.waitMs(), 1)))
    }
  }

  /** Starts (or restarts) the subscription from the persisted cursor. */
  start(): void {
    if (this.sub || this.banned) return
    this.ended = undefined
    const abort = new AbortController()
    this.abort = abort
    // A host never read before is read from the start of its retained window (cursor 0).
    const runner = new PerDidRunner({
      concurrency: this.deps.concurrency ?? 32,
      maxQueued: 200,
      startCursor: this.persistedCursor ?? 0,
      onError: (err) => this.deps.logger.log(`task ${this.hostname}`, 'error', 'ingest task failed', { err }),
    })
    this.runner = runner
    this.deps.counters.connects.inc({ host: this.hostname })
    const sub = subscribeRepos({
      url: hostStreamUrl(this.hostname),
      signal: abort.signal,
      cursor: () => runner.cursor,
      maxFrameBytes: this.deps.maxFrameBytes,
      // Frames read ahead per host; past it the socket pauses (memory is bounded by hosts × this).
      maxQueued: 200,
      reconnect: this.deps.reconnect,
      wsOptions: { lookup: guardedLookup(this.deps.policy) } as never,
      onEvent: (evt) => this.onEvent(runner, abort.signal, evt),
      onError: (err) => this.onError(err),
    })
    this.sub = sub
    void sub.done.then((end) => {
      if (end.reason === 'fatal') {
        this.ended = end.error.message
        this.noteError(end.error.message)
        this.deps.logger.log(`ended ${this.hostname}`, 'warn', 'host subscription ended', {
          host: this.hostname,
          error: end.error.message,
        })
        if (this.sub === sub) {
          this.sub = undefined
          this.abort = undefined
        }
      }
    })
  }

  /** Stops the subscription and waits for the tasks already accepted to finish. */
  async stop(): Promise<void> {
    const sub = this.sub
    const runner = this.runner
    this.abort?.abort()
    this.sub = undefined
    this.abort = undefined
    await sub?.done
    await runner?.idle()
    if (runner?.cursor !== undefined) this.persistedCursor = runner.cursor
  }

  private async onEvent(runner: PerDidRunner, signal: AbortSignal, evt: RepoMessage): Promise<void> {
    this.lastEventAt = this.now()
    this.deps.counters.eventsIn.inc({ host: this.hostname, type: evt.t })
    if (evt.t !== '#info') {
      const t = Date.parse(evt.body.time)
      if (Number.isFinite(t)) this.lagMs = Math.max(0, this.lastEventAt - t)
    }
    if (evt.t === '#info') {
      this.deps.logger.log(`info ${this.hostname}`, 'info', 'host sent #info', {
        host: this.hostname,
        ...evt.body,
      })
      return
    }
    // Over its rate the host is paced, not dropped: waiting here pauses the socket, so TCP
    // slows the host down and no repo's chain of commits is broken.
    while (!this.bucket.tryTake()) {
      const wait = Math.max(this.bucket.waitMs(), 1)
      this.throttledUntil = this.now() + wait + 1000
      await new Promise((r) => setTimeout(r, wait))
      if (signal.aborted) return
    }
    const gate = this.deps.gate.acquire()
    if (gate) await gate
    const did = messageDid(evt)!
    const seq = messageSeq(evt)!
    try {
      await runner.add(did, seq, async () => {
        try {
          await this.deps.processor.handle(this, evt)
        } finally {
          this.deps.gate.release()
        }
      })
    } catch (err) {
      this.deps.gate.release()
      throw err
    }
  }

  private noteError(message: string): void {
    this.lastErrorAt = this.now()
    this.lastError = message
  }

  /** Frame-level problems count as drops with a reason; connection problems mark the host. */
  private onError(err: FirehoseError): void {
    let reason: string | undefined
    if (err instanceof FrameError) reason = err.reason === 'too-large' ? 'frame-too-large' : `bad-frame`
    else if (err instanceof InvalidMessageError) reason = 'invalid-message'
    else if (err instanceof ConnectionError && /exceeded \d+ bytes/.test(err.message))
      reason = 'frame-too-large'
    if (reason) this.deps.counters.drops.inc({ host: this.hostname, reason })
    if (err instanceof ConnectionError || err instanceof StreamErrorFrame) this.noteError(err.message)
    this.deps.logger.log(`conn ${this.hostname} ${reason ?? err.name}`, 'warn', 'host stream problem', {
      host: this.hostname,
      error: err.message.slice(0, 300),
    })
  }
}

// An in-memory EventLog with a retention window (by count, bytes and age), for tests, dev
// networks and small producers. Appends must be in increasing seq order.
import { FanoutError } from '../errors.js'
import type { EventLog, LoggedEvent } from './event-log.js'

export interface MemoryEventLogOptions {
  /** Most events retained (default unlimited). */
  maxEvents?: number
  /** Most frame bytes retained (default unlimited). */
  maxBytes?: number
  /** Drop events older than this, checked on append (default unlimited). */
  maxAgeMs?: number
  /** Clock for maxAgeMs (default Date.now). */
  now?: () => number
}

export class MemoryEventLog implements EventLog {
  private seqs: number[] = []
  private frames: Uint8Array[] = []
  private times: number[] = []
  private start = 0
  private lastSeq: number | undefined
  private pruned: number | undefined
  private retainedBytes = 0
  private readonly maxEvents: number
  private readonly maxBytes: number
  private readonly maxAgeMs: number
  private readonly now: () => number

  constructor(opts: MemoryEventLogOptions = {}) {
    this.maxEvents = opts.maxEvents ?? Number.POSITIVE_INFINITY
    this.maxBytes = opts.maxBytes ?? Number.POSITIVE_INFINITY
    this.maxAgeMs = opts.maxAgeMs ?? Number.POSITIVE_INFINITY
    this.now = opts.now ?? Date.now
  }

  get size(): number {
    return this.seqs.length - this.start
  }

  get bytes(): number {
    return this.retainedBytes
  }

  append(seq: number, frame: Uint8Array): void {
    if (!Number.isSafeInteger(seq) || seq < 1) throw new FanoutError(`seq ${seq} is not a positive integer`)
    if (this.lastSeq !== undefined && seq <= this.lastSeq) {
      throw new FanoutError(`seq ${seq} appended after ${this.lastSeq}`)
    }
    this.lastSeq = seq
    this.seqs.push(seq)
    this.frames.push(frame)
    const t = this.now()
    this.times.push(t)
    this.retainedBytes += frame.length
    this.prune(t)
  }

  head(): number | undefined {
    return this.lastSeq
  }

  oldest(): number | undefined {
    return this.size > 0 ? this.seqs[this.start] : undefined
  }

  prunedThrough(): number | undefined {
    return this.pruned
  }

  read(afterSeq: number, limit: number): LoggedEvent[] {
    let lo = this.start
    let hi = this.seqs.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.seqs[mid] <= afterSeq) lo = mid + 1
      else hi = mid
    }
    const end = Math.min(this.seqs.length, lo + Math.max(0, limit))
    const out: LoggedEvent[] = new Array(end - lo)
    for (let i = lo; i < end; i++) out[i - lo] = { seq: this.seqs[i], frame: this.frames[i] }
    return out
  }

  private prune(now: number): void {
    // Always keep the newest event, so head() stays readable.
    while (
      this.size > 1 &&
      (this.size > this.maxEvents ||
        this.retainedBytes > this.maxBytes ||
        now - this.times[this.start] > this.maxAgeMs)
    ) {
      this.retainedBytes -= this.frames[this.start].length
      this.frames[this.start] = EMPTY
      this.pruned = this.seqs[this.start]
      this.start++
    }
    if (this.start > 1024 && this.start * 2 > this.seqs.length) {
      this.seqs = this.seqs.slice(this.start)
      this.frames = this.frames.slice(this.start)
      this.times = this.times.slice(this.start)
      this.start = 0
    }
  }
}

const EMPTY = new Uint8Array(0)

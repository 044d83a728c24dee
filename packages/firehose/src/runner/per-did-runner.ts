// Per-DID ordering with cross-DID concurrency (sync.md: "processed concurrently across accounts,
// but sequentially in-order for any given account"), with the cursor advancing only over the
// contiguous finished prefix so a restart from it never skips an unfinished event.
import { RunnerError } from '../errors.js'
import { Fifo } from '../fifo.js'
import { CursorTracker, type TrackedSeq } from './cursor-tracker.js'

export type RunnerTask = () => Promise<void> | void

export interface PerDidRunnerOptions {
  /** Tasks running at once, across DIDs (default 16). */
  concurrency?: number
  /** Tasks accepted but not finished before `add` waits (default 1,000). */
  maxQueued?: number
  /** Cursor before the first task finishes, e.g. the one the stream was resumed from. */
  startCursor?: number
  onCursor?: (seq: number) => void
  /** A task threw. It still counts as finished: retries belong inside the task. */
  onError?: (err: RunnerError) => void
}

interface Job {
  did: string
  entry: TrackedSeq
  task: RunnerTask
}

interface DidQueue {
  did: string
  jobs: Fifo<Job>
  running: boolean
}

export class PerDidRunner {
  onCursor: ((seq: number) => void) | undefined
  private readonly concurrency: number
  private readonly maxQueued: number
  private readonly onError: ((err: RunnerError) => void) | undefined
  private readonly tracker: CursorTracker
  private readonly queues = new Map<string, DidQueue>()
  private readonly ready = new Fifo<DidQueue>()
  private readonly waiting = new Fifo<() => void>()
  private idleWaiters: (() => void)[] = []
  private running = 0
  private accepted = 0

  constructor(opts: PerDidRunnerOptions = {}) {
    this.concurrency = opts.concurrency ?? 16
    this.maxQueued = opts.maxQueued ?? 1000
    if (!(this.concurrency >= 1) || !(this.maxQueued >= 1)) {
      throw new RunnerError('concurrency and maxQueued must be at least 1')
    }
    this.onCursor = opts.onCursor
    this.onError = opts.onError
    this.tracker = new CursorTracker(opts.startCursor)
  }

  /** The highest seq such that every task with a seq at or below it has finished. */
  get cursor(): number | undefined {
    return this.tracker.cursor
  }

  get stats(): { running: number; queued: number; waiting: number; dids: number } {
    return {
      running: this.running,
      queued: this.accepted - this.running,
      waiting: this.waiting.length,
      dids: this.queues.size,
    }
  }

  /**
   * Queues `task` behind earlier tasks of `did`. Seqs must strictly increase across calls. The
   * promise resolves once the task is accepted, which waits while `maxQueued` tasks are unfinished:
   * await it before reading the next event, and the stream slows to the pace of the tasks.
   */
  add(did: string, seq: number, task: RunnerTask): Promise<void> {
    if (!Number.isSafeInteger(seq)) return Promise.reject(new RunnerError(`seq ${seq} is not an integer`))
    const entry = this.tracker.track(seq)
    if (!entry) {
      return Promise.reject(new RunnerError(`seq ${seq} does not follow ${this.tracker.lastTracked}`))
    }
    const job: Job = { did, entry, task }
    if (this.accepted < this.maxQueued && this.waiting.length === 0) {
      this.accept(job)
      return Promise.resolve()
    }
    return new Promise((resolve) => {
      this.waiting.push(() => {
        this.accept(job)
        resolve()
      })
    })
  }

  /** Resolves when every task added so far has finished. */
  idle(): Promise<void> {
    if (this.accepted === 0 && this.waiting.length === 0) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  private accept(job: Job): void {
    this.accepted++
    let q = this.queues.get(job.did)
    if (!q) {
      q = { did: job.did, jobs: new Fifo(), running: false }
      this.queues.set(job.did, q)
    }
    q.jobs.push(job)
    if (!q.running && q.jobs.length === 1) this.ready.push(q)
    this.pump()
  }

  private pump(): void {
    while (this.running < this.concurrency && this.ready.length > 0) {
      const q = this.ready.shift()!
      const job = q.jobs.shift()!
      q.running = true
      this.running++
      this.start(q, job)
    }
  }

  private start(q: DidQueue, job: Job): void {
    let result: Promise<void> | void
    try {
      result = job.task()
    } catch (err) {
      result = Promise.reject(err)
    }
    Promise.resolve(result).then(
      () => this.finish(q, job),
      (err: unknown) => {
        this.onError?.(new RunnerError(`task for ${job.did} at seq ${job.entry.seq} failed`, { cause: err }))
        this.finish(q, job)
      },
    )
  }

  private finish(q: DidQueue, job: Job): void {
    this.running--
    this.accepted--
    q.running = false
    if (q.jobs.length > 0) this.ready.push(q)
    else this.queues.delete(q.did)
    const moved = this.tracker.finish(job.entry)
    while (this.accepted < this.maxQueued && this.waiting.length > 0) this.waiting.shift()!()
    this.pump()
    if (moved !== undefined) this.onCursor?.(moved)
    if (this.accepted === 0 && this.waiting.length === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters
      this.idleWaiters = []
      for (const w of waiters) w()
    }
  }
}

// Verification off the main thread: a pool of worker threads taking jobs in batches (one
// message per batch, so messaging costs little per commit). Each worker has at most two
// batches in flight, so results stream back while the next batch is verified. With zero
// workers, jobs run inline on the calling thread.
import { Worker } from 'node:worker_threads'
import { VerifierError } from '../errors.js'
import type { VerifyJob, VerifyResult } from './types.js'
import { runJob } from './verify-core.js'
import { decodeResults, encodeJobs } from './wire.js'

export type JobInput = VerifyJob extends infer J ? (J extends VerifyJob ? Omit<J, 'id'> : never) : never

interface Slot {
  worker: Worker
  inFlight: number[][]
  jobs: number
}

interface Pending {
  job: VerifyJob
  resolve: (r: VerifyResult) => void
  reject: (e: Error) => void
}

export interface VerifierPoolOptions {
  /** Worker threads; 0 verifies inline. */
  workers: number
  /** Jobs per message (default 32). */
  batchSize?: number
}

const BATCHES_PER_WORKER = 2

export class VerifierPool {
  private readonly slots: Slot[] = []
  private readonly queue: number[] = []
  private readonly pending = new Map<number, Pending>()
  private nextId = 1
  /** Batches posted and jobs in them, since start (the mean batch size tells how well batching works). */
  readonly posted = { batches: 0, jobs: 0 }
  private scheduled = false
  private closed = false
  private readonly batchSize: number

  constructor(opts: VerifierPoolOptions) {
    this.batchSize = opts.batchSize ?? 32
    for (let i = 0; i < opts.workers; i++) this.slots.push(this.spawn())
  }

  get workers(): number {
    return this.slots.length
  }

  /** Jobs waiting for a worker, and jobs being verified. */
  get depth(): { queued: number; inFlight: number } {
    return { queued: this.queue.length, inFlight: this.pending.size - this.queue.length }
  }

  verify(input: JobInput): Promise<VerifyResult> {
    if (this.closed) return Promise.reject(new VerifierError('verifier pool is closed'))
    const job = { ...input, id: this.nextId++ } as VerifyJob
    if (this.slots.length === 0) return Promise.resolve(runJob(job))
    return new Promise((resolve, reject) => {
      this.pending.set(job.id, { job, resolve, reject })
      this.queue.push(job.id)
      this.schedule()
    })
  }

  async close(): Promise<void> {
    this.closed = true
    const err = new VerifierError('verifier pool closed')
    for (const p of this.pending.values()) p.reject(err)
    this.pending.clear()
    this.queue.length = 0
    await Promise.all(this.slots.map((s) => s.worker.terminate()))
    this.slots.length = 0
  }

  private spawn(): Slot {
    const worker = new Worker(new URL('./worker-boot.mjs', import.meta.url))
    worker.unref()
    const slot: Slot = { worker, inFlight: [], jobs: 0 }
    worker.on('message', (batch: ArrayBuffer) => this.onResults(slot, decodeResults(batch)))
    worker.on('error', (err) => this.onCrash(slot, err))
    worker.on('exit', (code) => {
      if (!this.closed) this.onCrash(slot, new VerifierError(`verify worker exited with code ${code}`))
    })
    return slot
  }

  private onResults(slot: Slot, results: VerifyResult[]): void {
    const batch = slot.inFlight.shift()
    if (batch) slot.jobs -= batch.length
    for (const r of results) {
      const p = this.pending.get(r.id)
      if (!p) continue
      this.pending.delete(r.id)
      p.resolve(r)
    }
    this.dispatch()
  }

  /** A dead worker's jobs fail (the caller counts them) and a fresh worker takes its place. */
  private onCrash(slot: Slot, err: Error): void {
    const i = this.slots.indexOf(slot)
    if (i < 0) return
    for (const batch of slot.inFlight) {
      for (const id of batch) {
        const p = this.pending.get(id)
        this.pending.delete(id)
        p?.reject(new VerifierError('verify worker failed', { cause: err }))
      }
    }
    slot.worker.removeAllListeners()
    void slot.worker.terminate()
    if (!this.closed) {
      this.slots[i] = this.spawn()
      this.schedule()
    }
  }

  private schedule(): void {
    if (this.scheduled) return
    this.scheduled = true
    setImmediate(() => {
      this.scheduled = false
      this.dispatch()
    })
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let best: Slot | undefined
      for (const s of this.slots) {
        if (s.inFlight.length < BATCHES_PER_WORKER && (!best || s.jobs < best.jobs)) best = s
      }
      if (!best) return
      // Spread a short queue over the idle workers rather than loading one.
      const share = Math.ceil(this.queue.length / this.slots.length)
      const ids = this.queue.splice(0, Math.min(this.batchSize, Math.max(1, share)))
      const batch = encodeJobs(ids.map((id) => this.pending.get(id)!.job))
      best.inFlight.push(ids)
      best.jobs += ids.length
      this.posted.batches++
      this.posted.jobs += ids.length
      best.worker.postMessage(batch, [batch])
    }
  }
}

// Group commit: commit transactions submitted in the same turn of the event loop run together
// in one SQLite transaction. Pages every write touches (the event log's tail, repo_root, the
// database header) then go to the WAL once per batch instead of once per write, and the batch
// pays one BEGIN/COMMIT. Each job still succeeds or fails alone: when one throws, the whole
// transaction rolls back (its seqs are given back, Sequencer.transact), that job is rejected
// and the others run again in a new transaction. Failures are rare (a swap lost to an account
// status change, a missing blob), so this is cheaper than a savepoint around every job.
// Nothing resolves before its batch has committed. While the database's write gate is closed
// (a checkpoint catching up, db/checkpointer.ts) jobs wait and go in one batch when it opens.
import type { PdsDatabase } from './db/database.js'
import type { Sequencer } from './sequencer.js'

interface Pending {
  fn: (db: PdsDatabase) => unknown
  resolve: (v: unknown) => void
  reject: (e: unknown) => void
}

export interface GroupCommitOptions {
  /** Most jobs in one transaction (default 64); 1 turns grouping off. */
  maxBatch?: number
}

export class GroupCommitter {
  readonly maxBatch: number
  #batch: Pending[] = []
  #scheduled = false
  /** Waiting for the write gate to open. */
  #waiting = false
  /** Batches committed and jobs in them, for tuning. */
  batches = 0
  jobs = 0

  constructor(
    readonly sequencer: Sequencer,
    opts: GroupCommitOptions = {},
  ) {
    this.maxBatch = Math.max(1, opts.maxBatch ?? 64)
  }

  /** Runs `fn` in a transaction, possibly shared with others; resolves once it is committed. */
  run<T>(fn: (db: PdsDatabase) => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#batch.push({ fn, resolve: resolve as (v: unknown) => void, reject })
      if (this.#batch.length >= this.maxBatch) this.#flush()
      else if (!this.#scheduled) {
        this.#scheduled = true
        // setImmediate runs after pending I/O callbacks: requests that arrived together join.
        setImmediate(() => {
          this.#scheduled = false
          this.#flush()
        })
      }
    })
  }

  #flush(): void {
    const gate = this.sequencer.db.writeGate
    if (gate.held) {
      if (!this.#waiting) {
        this.#waiting = true
        gate.whenOpen(() => {
          this.#waiting = false
          this.#flush()
        })
      }
      return
    }
    const batch = this.#batch
    this.#batch = []
    if (batch.length === 0) return
    this.batches++
    this.jobs += batch.length
    if (batch.length === 1) {
      const [p] = batch
      try {
        p.resolve(this.sequencer.transact(p.fn))
      } catch (err) {
        p.reject(err)
      }
      return
    }
    let jobs = batch
    while (jobs.length > 0) {
      const results: unknown[] = []
      let failed = -1
      let failure: unknown
      try {
        this.sequencer.transact((db) => {
          for (let i = 0; i < jobs.length; i++) {
            try {
              results.push(jobs[i].fn(db))
            } catch (err) {
              failed = i
              failure = err
              throw err
            }
          }
        })
      } catch (error) {
        if (failed < 0) {
          // The commit itself failed (disk full, I/O error): nothing of the batch is stored.
          for (const p of jobs) p.reject(error)
          return
        }
        jobs[failed].reject(failure)
        jobs = jobs.filter((_, i) => i !== failed)
        continue
      }
      for (let i = 0; i < jobs.length; i++) jobs[i].resolve(results[i])
      return
    }
  }
}

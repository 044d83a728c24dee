// WAL checkpoints on a worker thread. SQLite's automatic checkpoint runs inside whichever
// commit crosses the threshold, copying ~1000 pages and fsyncing the database file on the
// event loop: a latency spike every hundred writes or so. Here the writer connection never
// checkpoints; a second connection on a worker thread copies the WAL back with PASSIVE
// checkpoints (which never wait for or block the writer), and fsyncs off the main thread.
// Durability is unchanged: a commit is durable once in the WAL, checkpointed or not.
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'

export interface CheckpointerOptions {
  /** How often to checkpoint (default 200 ms). */
  intervalMs?: number
  /**
   * WAL size past which the worker runs a RESTART checkpoint, which briefly holds writers back
   * so the WAL can start over (default 256 MiB): a bound for when readers keep PASSIVE from
   * ever finishing.
   */
  restartBytes?: number
  onError?: (message: string) => void
}

// CommonJS, evaluated in the worker: no loader is needed for TypeScript there.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const fs = require('node:fs')
const Database = require(workerData.driver)
const db = new Database(workerData.path)
db.pragma('busy_timeout = 1000')
const wal = workerData.path + '-wal'
let stopped = false
const timer = setInterval(() => {
  if (stopped) return
  try {
    let size = 0
    try { size = fs.statSync(wal).size } catch {}
    if (size === 0) return
    db.pragma(size > workerData.restartBytes ? 'wal_checkpoint(RESTART)' : 'wal_checkpoint(PASSIVE)')
  } catch (err) {
    parentPort.postMessage({ error: String((err && err.message) || err) })
  }
}, workerData.intervalMs)
parentPort.on('message', (m) => {
  if (m !== 'stop') return
  stopped = true
  clearInterval(timer)
  try { db.close() } catch {}
  parentPort.close()
})
`

export class WalCheckpointer {
  readonly #worker: Worker

  constructor(path: string, opts: CheckpointerOptions = {}) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3')
    this.#worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        path,
        driver,
        intervalMs: opts.intervalMs ?? 200,
        restartBytes: opts.restartBytes ?? 256 * 1024 * 1024,
      },
    })
    // Never the reason the process stays alive.
    this.#worker.unref()
    this.#worker.on('message', (m: { error?: string }) => {
      if (m.error) opts.onError?.(m.error)
    })
    this.#worker.on('error', (err) => opts.onError?.(err.message))
  }

  /** Asks the worker to close its connection; resolves once the worker has exited. */
  stop(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.#worker.once('exit', () => resolve()))
    this.#worker.postMessage('stop')
    return exited
  }
}

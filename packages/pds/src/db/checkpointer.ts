// WAL checkpoints on a worker thread. SQLite's automatic checkpoint runs inside whichever
// commit crosses the threshold, copying ~1000 pages and fsyncing the database file on the
// event loop: a latency spike every hundred writes or so. Here the writer connection never
// checkpoints; a second connection on a worker thread copies the WAL back with PASSIVE
// checkpoints, which take no lock a writer needs, and fsyncs off the main thread. Durability is
// unchanged: a commit is durable once in the WAL, checkpointed or not.
//
// The WAL starts over (the writer rewrites it from the top) only when a writer begins while
// every frame is already copied. Under a steady stream of commits that never happens, as each
// PASSIVE pass ends with the commits made during it still to copy, and the WAL would grow
// without bound. RESTART or TRUNCATE checkpoints would force it, but they hold the write lock
// through their copy, their two fsyncs and any wait for readers, while the writer sleeps in
// SQLite's busy handler on the event loop (1, 2, 5, 10, 15 ms...): measured, a 40-60 ms stall
// of every request, five times a second once the WAL had passed the bound. So instead, once the
// WAL holds more than `restartBytes`, the worker asks the main thread to hold commits (WriteGate)
// for one more PASSIVE pass, which then copies everything; the next commit restarts the WAL.
// Only commits wait (the event loop goes on), and only for a pass that copies what came in
// during the short pass before it: two fsyncs and little else, 7-25 ms measured on a loaded
// 2-core VM, about once per `restartBytes` of WAL (every second or two at full write load).

import { Worker } from 'node:worker_threads'
import { driverPath } from '@welkin/sqlite'
import type { WriteGate } from './write-gate.js'

export interface CheckpointerOptions {
  /** How often to checkpoint (default 200 ms). */
  intervalMs?: number
  /**
   * WAL content past which commits are held for one catch-up pass so the WAL can start over
   * (default 64 MiB). Without load the WAL starts over by itself after any pass.
   */
  restartBytes?: number
  /** Longest a catch-up pass may hold commits (default 100 ms): past it they go on regardless. */
  maxHoldMs?: number
  onError?: (message: string) => void
}

interface WorkerMessage {
  error?: string
  /** The worker wants commits held for a catch-up pass. */
  hold?: boolean
  /** The catch-up pass is done. */
  done?: boolean
}

/** A pass copying at most this many frames (1 MiB of 4 KiB pages) is a short one. */
const SMALL_PASS_FRAMES = 256

// CommonJS, evaluated in the worker: no loader is needed for TypeScript there.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const fs = require('node:fs')
const Database = require(workerData.driver)
const db = new Database(workerData.path)
db.pragma('busy_timeout = 1000')
const wal = workerData.path + '-wal'
const restartFrames = Math.max(1, Math.ceil(workerData.restartBytes / db.pragma('page_size', { simple: true })))
let stopped = false
let holding = false
// WAL frames when commits were last held (-1: not since the last pass). When a hold did not
// lead to a restart (a writer outside the group committer, a reader holding an old snapshot,
// a pass slower than maxHoldMs), the next holds wait 2, 4, ... 64 intervals.
let heldAt = -1
let backoff = 1
let skip = 0
const report = (err) => parentPort.postMessage({ error: String((err && err.message) || err) })
// { busy, log: frames in the WAL, checkpointed: frames copied }
const passive = () => db.pragma('wal_checkpoint(PASSIVE)')[0]
const timer = setInterval(() => {
  if (stopped || holding) return
  try {
    let size = 0
    try { size = fs.statSync(wal).size } catch {}
    if (size === 0) return
    const r = passive()
    if (heldAt >= 0) {
      const restarted = r.log < heldAt
      backoff = restarted ? 1 : Math.min(backoff * 2, 64)
      skip = restarted ? 0 : backoff
      heldAt = -1
    }
    if (skip > 0) {
      skip--
      return
    }
    if (r.log < restartFrames || r.checkpointed !== r.log) return
    // Everything up to this pass's start is copied, nothing (no old reader) held it back. Passes
    // back to back copy less each time (what came in during the one before), down to about two
    // fsyncs' worth: then one more pass with commits held copies the rest.
    let last = r
    for (let i = 0; i < 4; i++) {
      const next = passive()
      const fresh = next.log - last.log
      last = next
      // Started over on its own meanwhile, or held back by a reader: nothing to hold for.
      if (next.log < restartFrames || next.checkpointed !== next.log) return
      if (fresh <= ${SMALL_PASS_FRAMES}) break
    }
    holding = true
    heldAt = last.log
    parentPort.postMessage({ hold: true })
  } catch (err) {
    report(err)
  }
}, workerData.intervalMs)
parentPort.on('message', (m) => {
  if (m === 'held') {
    try { if (!stopped) passive() } catch (err) { report(err) }
    holding = false
    parentPort.postMessage({ done: true })
    return
  }
  if (m !== 'stop') return
  stopped = true
  clearInterval(timer)
  try { db.close() } catch {}
  parentPort.close()
})
`

export class WalCheckpointer {
  readonly #worker: Worker
  readonly #gate: WriteGate | undefined
  readonly #maxHoldMs: number
  #holdTimer: NodeJS.Timeout | undefined
  #exited = false
  #stopping = false

  constructor(path: string, opts: CheckpointerOptions = {}, gate?: WriteGate) {
    this.#gate = gate
    this.#maxHoldMs = opts.maxHoldMs ?? 100
    const driver = driverPath
    this.#worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        path,
        driver,
        intervalMs: opts.intervalMs ?? 200,
        restartBytes: opts.restartBytes ?? 64 * 1024 * 1024,
      },
    })
    // Never the reason the process stays alive.
    this.#worker.unref()
    this.#worker.on('message', (m: WorkerMessage) => {
      if (m.error) opts.onError?.(m.error)
      if (m.hold) this.#hold()
      if (m.done) this.#release()
    })
    this.#worker.on('error', (err) => opts.onError?.(err.message))
    this.#worker.on('exit', () => {
      this.#exited = true
      this.#release()
    })
  }

  // Message handlers run between transactions (they are synchronous), so once the gate is
  // closed no commit is in progress and none starts until the worker is done.
  #hold(): void {
    if (this.#stopping) return
    this.#gate?.hold()
    this.#holdTimer = setTimeout(() => this.#release(), this.#maxHoldMs)
    this.#holdTimer.unref()
    this.#worker.postMessage('held')
  }

  #release(): void {
    clearTimeout(this.#holdTimer)
    this.#holdTimer = undefined
    this.#gate?.release()
  }

  /** Asks the worker to close its connection; resolves once the worker has exited. */
  stop(): Promise<void> {
    this.#stopping = true
    if (this.#exited) return Promise.resolve()
    const exited = new Promise<void>((resolve) => this.#worker.once('exit', () => resolve()))
    // Referenced while it winds down: an awaited stop() is then not cut short by the process
    // running out of other work (a script's top-level `await store.close()` would exit with 13).
    this.#worker.ref()
    this.#worker.postMessage('stop')
    this.#release()
    return exited
  }
}

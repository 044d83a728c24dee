// Commit signatures on a worker thread. A secp256k1 signature is the largest single CPU cost of
// a repo write (about a tenth of it, HTTP included); libsecp256k1 on a worker takes it off the
// event loop, which then pays only for messages: the signatures a turn of the loop asks for go
// to the worker together and come back together. A key is sent to the worker with its first
// signature and kept there (a bounded number). libsecp256k1 signs with RFC 6979 nonces and
// always low-S, so a signature from the worker is byte for byte the one the key's own signSync
// makes; anything the worker cannot do (P-256 keys, no native binding, a dead worker) is signed
// here instead.
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import type { JwtAlg, Keypair } from '@welkin/crypto'

export interface CommitSignerOptions {
  /** Keys the worker keeps (default 10,000); one evicted is sent again when next used. */
  maxKeys?: number
  /** Idle time after which the worker exits, to be started again on demand (default 30 s). */
  idleMs?: number
}

interface Job {
  id: number
  key: number
  /** The private key, with a key's first job (and after the worker lost it). */
  secret?: Uint8Array
  msg: Uint8Array
}

interface Pending {
  signer: WorkerKeypair
  msg: Uint8Array
  resolve: (sig: Uint8Array) => void
  reject: (err: unknown) => void
}

type Reply = { id: number; sig: Uint8Array } | { id: number; error: string; unknownKey?: boolean }

// CommonJS, evaluated in the worker: the binding is loaded there directly, no loader needed.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const { createHash } = require('node:crypto')
const lib = require(workerData.binding)
const keys = new Map()
parentPort.on('message', (jobs) => {
  const out = []
  for (const job of jobs) {
    try {
      let secret = keys.get(job.key)
      if (job.secret !== undefined) {
        secret = job.secret
        keys.delete(job.key)
        keys.set(job.key, secret)
        if (keys.size > workerData.maxKeys) keys.delete(keys.keys().next().value)
      }
      if (secret === undefined) {
        out.push({ id: job.id, error: 'unknown key', unknownKey: true })
        continue
      }
      const digest = createHash('sha256').update(job.msg).digest()
      out.push({ id: job.id, sig: lib.ecdsaSign(digest, secret).signature })
    } catch (err) {
      out.push({ id: job.id, error: String((err && err.message) || err) })
    }
  }
  parentPort.postMessage(out)
})
`

/** Where libsecp256k1's binding loads from, or undefined when it does not load here. */
function bindingPath(): string | undefined {
  try {
    const require = createRequire(import.meta.url)
    const path = require.resolve('secp256k1/bindings')
    require(path)
    return path
  } catch {
    return undefined
  }
}

let nextKey = 1

/** A keypair that signs on the worker, everything else through the key it wraps. */
class WorkerKeypair implements Keypair {
  readonly jwtAlg: JwtAlg
  readonly key = nextKey++
  /** The worker (by generation) the key was last sent to. */
  sentTo = 0

  constructor(
    readonly owner: CommitSigner,
    readonly secret: Uint8Array,
    readonly local: Keypair,
  ) {
    this.jwtAlg = local.jwtAlg
  }

  publicKeyBytes(): Uint8Array {
    return this.local.publicKeyBytes()
  }

  did(): string {
    return this.local.did()
  }

  sign(msg: Uint8Array): Promise<Uint8Array> {
    return this.owner.sign(this, msg)
  }
}

export class CommitSigner {
  readonly maxKeys: number
  readonly idleMs: number
  readonly #binding: string | undefined
  #worker: Worker | undefined
  /** Counts workers started: a key sent to an earlier one is sent again. */
  #generation = 0
  #broken = false
  #queue: Job[] = []
  readonly #pending = new Map<number, Pending>()
  #nextId = 1
  #idle: NodeJS.Timeout | undefined
  /** Signatures made on the worker and here (for tests and tuning). */
  signedOnWorker = 0
  signedHere = 0

  constructor(opts: CommitSignerOptions = {}) {
    this.maxKeys = opts.maxKeys ?? 10_000
    this.idleMs = opts.idleMs ?? 30_000
    this.#binding = bindingPath()
  }

  /** Whether signatures can go to the worker at all (the native binding loads). */
  get available(): boolean {
    return this.#binding !== undefined && !this.#broken
  }

  /**
   * `local` (imported from `secret`) as a keypair whose signatures the worker makes, when it
   * can; otherwise `local` itself.
   */
  keypair(local: Keypair, secret: Uint8Array): Keypair {
    if (local.jwtAlg !== 'ES256K' || !this.available) return local
    return new WorkerKeypair(this, secret.slice(), local)
  }

  /** @internal through WorkerKeypair.sign */
  sign(signer: WorkerKeypair, msg: Uint8Array): Promise<Uint8Array> {
    if (!this.available) return signer.local.sign(msg)
    return new Promise<Uint8Array>((resolve, reject) => {
      const id = this.#nextId++
      this.#pending.set(id, { signer, msg, resolve, reject })
      this.#queue.push({ id, key: signer.key, msg })
      // Flushed after this turn's I/O callbacks: the writes that arrived together sign together.
      if (this.#queue.length === 1) setImmediate(() => this.#flush())
    })
  }

  #flush(): void {
    // A job signed here meanwhile (its worker was lost) is no longer pending.
    const jobs = this.#queue.filter((job) => this.#pending.has(job.id))
    this.#queue = []
    if (jobs.length === 0) return
    const worker = this.#ensureWorker()
    if (worker === undefined) {
      for (const job of jobs) this.#signHere(job.id)
      return
    }
    for (const job of jobs) {
      const signer = this.#pending.get(job.id)!.signer
      if (signer.sentTo === this.#generation) continue
      job.secret = signer.secret
      signer.sentTo = this.#generation
    }
    clearTimeout(this.#idle)
    this.#idle = undefined
    worker.ref()
    worker.postMessage(jobs)
  }

  #ensureWorker(): Worker | undefined {
    if (this.#worker !== undefined) return this.#worker
    if (!this.available) return undefined
    let worker: Worker
    try {
      worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { binding: this.#binding, maxKeys: this.maxKeys },
      })
    } catch {
      this.#broken = true
      return undefined
    }
    worker.on('message', (replies: Reply[]) => this.#replies(replies))
    worker.on('error', () => this.#lost(worker, true))
    worker.on('exit', () => this.#lost(worker, false))
    this.#worker = worker
    this.#generation++
    return worker
  }

  #replies(replies: Reply[]): void {
    for (const reply of replies) {
      const p = this.#pending.get(reply.id)
      if (p === undefined) continue
      if ('sig' in reply) {
        this.#pending.delete(reply.id)
        this.signedOnWorker++
        p.resolve(reply.sig)
        continue
      }
      // Evicted there: send the key again next time; this one is signed here.
      if (reply.unknownKey) p.signer.sentTo = 0
      this.#signHere(reply.id)
    }
    if (this.#pending.size === 0 && this.#worker !== undefined) {
      // Idle: the worker must not keep the process alive, and goes after a while.
      this.#worker.unref()
      this.#idle ??= setTimeout(() => this.#stopIdle(), this.idleMs).unref()
    }
  }

  #signHere(id: number): void {
    const p = this.#pending.get(id)
    if (p === undefined) return
    this.#pending.delete(id)
    this.signedHere++
    p.signer.local.sign(p.msg).then(p.resolve, p.reject)
  }

  #stopIdle(): void {
    this.#idle = undefined
    if (this.#pending.size > 0 || this.#queue.length > 0) return
    void this.#worker?.terminate()
  }

  /** The worker went away: what it had not answered is signed here. */
  #lost(worker: Worker, failed: boolean): void {
    if (this.#worker !== worker) return
    this.#worker = undefined
    clearTimeout(this.#idle)
    this.#idle = undefined
    // A worker that failed (rather than one stopped for idleness) is not started again.
    if (failed) this.#broken = true
    for (const id of [...this.#pending.keys()]) this.#signHere(id)
  }

  /** Stops the worker; later signatures start it again. */
  async close(): Promise<void> {
    clearTimeout(this.#idle)
    this.#idle = undefined
    const worker = this.#worker
    if (worker === undefined) return
    await worker.terminate()
  }
}

let shared: CommitSigner | undefined

/** The process's signer, shared by every writer: one worker however many stores are open. */
export function sharedCommitSigner(): CommitSigner {
  shared ??= new CommitSigner({ idleMs: 10_000 })
  return shared
}

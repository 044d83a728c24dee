// Deferred deletion of MST nodes that commits dropped from their trees. Deleting a node is a
// random-page write in repo_block's index; doing it inside each write would double the pages a
// write dirties. Instead each commit appends one repo_block_gc row, and passes delete them in
// key order when the writer has been idle for a moment, or at once past a high-water mark so
// garbage stays bounded under sustained load.
//
// A node dropped by one commit can be stored again by a later one (a tree that shrinks back);
// that store bumps the node's rev, so the pending deletion (`rev <= dropped at`) skips it.
import { CID_BYTES } from '@welkin/data'
import type { PdsDatabase } from './db/database.js'

export interface NodeCollectorOptions {
  /** Quiet time before a pass (default 50 ms); 0 disables automatic passes. */
  idleMs?: number
  /** Pending drops that force passes even while writes continue (default 50,000). */
  highWater?: number
  /** Dropped nodes per pass, one short transaction each (default 256). */
  passSize?: number
}

interface GcRow {
  id: number
  did: string
  rev: string
  cids: Uint8Array
}

export class NodeCollector {
  readonly idleMs: number
  readonly highWater: number
  readonly passSize: number
  #pending: number
  #timer: NodeJS.Timeout | undefined
  #lastCommit = 0

  constructor(
    readonly db: PdsDatabase,
    opts: NodeCollectorOptions = {},
  ) {
    this.idleMs = opts.idleMs ?? 50
    this.highWater = opts.highWater ?? 50_000
    this.passSize = opts.passSize ?? 256
    const row = db.prepare('SELECT coalesce(sum(length(cids)), 0) AS n FROM repo_block_gc').get() as {
      n: number
    }
    this.#pending = row.n / CID_BYTES
  }

  /** Dropped nodes not yet deleted. */
  get pending(): number {
    return this.#pending
  }

  /** Called after each commit with the number of nodes it dropped. */
  noteCommit(dropped: number): void {
    this.#pending += dropped
    this.#lastCommit = performance.now()
    if (this.idleMs === 0 || this.#pending === 0 || this.db.closed) return
    this.#arm(this.#pending >= this.highWater ? 0 : this.idleMs)
  }

  #arm(delay: number): void {
    if (this.#timer) return
    this.#timer = setTimeout(() => this.#tick(), delay)
    this.#timer.unref()
  }

  // One pass per tick, and only once no commit has landed for idleMs (or past the high-water
  // mark): a busy writer is never slowed by collection it can postpone.
  #tick(): void {
    this.#timer = undefined
    if (this.db.closed || this.#pending <= 0) return
    const quiet = performance.now() - this.#lastCommit
    if (this.#pending < this.highWater && quiet < this.idleMs) {
      this.#arm(this.idleMs - quiet)
      return
    }
    // A checkpoint is catching up with commits held: a pass now would only add to its work.
    if (this.db.writeGate.held) {
      this.#arm(Math.max(1, this.idleMs))
      return
    }
    try {
      this.collect(this.passSize)
    } catch {
      // Retried on a later tick; garbage only costs space meanwhile.
    }
    if (this.#pending > 0) this.#arm(0)
  }

  /**
   * Deletes the nodes of the oldest pending rows, about `limit` nodes, in key order. Returns the
   * number of dropped nodes processed.
   */
  collect(limit = this.passSize): number {
    const n = this.db.transact((db) => {
      const rows: GcRow[] = []
      let nodes = 0
      const iter = db
        .prepare('SELECT rowid AS id, did, rev, cids FROM repo_block_gc ORDER BY rowid')
        .iterate() as IterableIterator<GcRow>
      for (const r of iter) {
        rows.push(r)
        nodes += r.cids.length / CID_BYTES
        if (nodes >= limit) {
          iter.return?.()
          break
        }
      }
      if (rows.length === 0) return 0
      const drops: { did: string; rev: string; cid: Uint8Array }[] = []
      for (const r of rows) {
        for (let off = 0; off + CID_BYTES <= r.cids.length; off += CID_BYTES) {
          drops.push({ did: r.did, rev: r.rev, cid: r.cids.subarray(off, off + CID_BYTES) })
        }
      }
      drops.sort((a, b) => (a.did < b.did ? -1 : a.did > b.did ? 1 : Buffer.compare(a.cid, b.cid)))
      const del = db.prepare('DELETE FROM repo_block WHERE did = ? AND cid = ? AND rev <= ?')
      for (const d of drops) del.run(d.did, d.cid, d.rev)
      db.prepare('DELETE FROM repo_block_gc WHERE rowid <= ?').run(rows[rows.length - 1].id)
      return drops.length
    })
    this.#pending = Math.max(0, this.#pending - n)
    return n
  }

  /** Runs passes until nothing is pending. */
  collectAll(): number {
    let total = 0
    for (let n = this.collect(); n > 0; n = this.collect()) total += n
    return total
  }

  stop(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
  }
}

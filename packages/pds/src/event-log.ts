// The persisted event log behind `com.atproto.sync.subscribeRepos`: the firehose reads the
// backfill window from here (cursor semantics of event-stream.md "Sequence Numbers") and prunes
// it to the retention window.
import type { PdsDatabase } from './db/database.js'
import type { EventType } from './events.js'
import type { SequencedEvent } from './sequencer.js'

/** What a firehose server needs from a persisted log (the @welkin/firehose `EventLog` shape). */
export interface EventLog {
  /** Highest seq stored, or null when the log is empty. */
  head(): number | null
  /** Lowest seq still stored (the start of the backfill window), or null when empty. */
  oldest(): number | null
  /** Up to `limit` events with seq > `after`, in seq order. */
  read(after: number, limit: number): SequencedEvent[]
}

export const DEFAULT_RETENTION_MS = 72 * 3600_000
const MAX_READ = 10_000

interface Row {
  seq: number
  did: string
  type: EventType
  frame: Uint8Array
  created_at: number
}

export class SqliteEventLog implements EventLog {
  constructor(
    readonly db: PdsDatabase,
    readonly retentionMs = DEFAULT_RETENTION_MS,
  ) {}

  head(): number | null {
    return (this.db.prepare('SELECT max(seq) AS s FROM repo_seq').get() as { s: number | null }).s
  }

  oldest(): number | null {
    return (this.db.prepare('SELECT min(seq) AS s FROM repo_seq').get() as { s: number | null }).s
  }

  read(after: number, limit: number): SequencedEvent[] {
    const n = Math.max(0, Math.min(Math.floor(limit), MAX_READ))
    if (n === 0) return []
    const rows = this.db
      .prepare('SELECT seq, did, type, frame, created_at FROM repo_seq WHERE seq > ? ORDER BY seq LIMIT ?')
      .all(Math.max(0, Math.floor(after)), n) as Row[]
    return rows.map((r) => ({
      seq: r.seq,
      did: r.did,
      type: r.type,
      time: new Date(r.created_at).toISOString(),
      frame: r.frame,
    }))
  }

  /**
   * Deletes events older than the retention window, in batches so no transaction runs long.
   * Only a prefix of the log is deleted, ending before the first event still inside the window
   * (a clock step backwards then never punches a hole in the seq range), and never the newest
   * event: it is what keeps seqs from being reused after a restart.
   */
  prune(now = Date.now(), batch = 5000): number {
    const cutoff = now - this.retentionMs
    let total = 0
    for (;;) {
      const { deleted, done } = this.db.transact((db) => {
        const rows = db
          .prepare('SELECT seq, created_at FROM repo_seq ORDER BY seq LIMIT ?')
          .all(batch) as Row[]
        const newest = (db.prepare('SELECT max(seq) AS s FROM repo_seq').get() as { s: number | null }).s
        let upTo: number | null = null
        for (const r of rows) {
          if (r.seq === newest) break
          if (r.created_at >= cutoff) break
          upTo = r.seq
        }
        if (upTo === null) return { deleted: 0, done: true }
        const n = db.prepare('DELETE FROM repo_seq WHERE seq <= ?').run(upTo).changes
        return { deleted: n, done: rows.length < batch || upTo !== rows[rows.length - 1].seq }
      })
      total += deleted
      if (done) return total
    }
  }
}

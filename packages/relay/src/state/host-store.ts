// The hosts table: every upstream the relay knows, its persisted cursor (the last upstream seq
// whose event, and every one before it, was fully processed), limits, and ban flag.
import type { HostLimits } from '../config.js'
import type { Sqlite } from '../db/database.js'

export interface HostRow {
  id: number
  hostname: string
  cursor: number | null
  banned: boolean
  limits: HostLimits
  createdAt: number
  lastError: string | null
}

interface RawHost {
  id: number
  hostname: string
  cursor: number | null
  banned: number
  account_limit: number
  events_per_second: number
  created_at: number
  last_error: string | null
}

function fromRaw(r: RawHost): HostRow {
  return {
    id: r.id,
    hostname: r.hostname,
    cursor: r.cursor,
    banned: r.banned === 1,
    limits: { accountLimit: r.account_limit, eventsPerSecond: r.events_per_second },
    createdAt: r.created_at,
    lastError: r.last_error,
  }
}

export class HostStore {
  private readonly setCursorStmt

  constructor(private readonly db: Sqlite) {
    this.setCursorStmt = db.prepare('UPDATE hosts SET cursor = ? WHERE id = ?')
  }

  all(): HostRow[] {
    return (this.db.prepare('SELECT * FROM hosts ORDER BY id').all() as RawHost[]).map(fromRaw)
  }

  get(hostname: string): HostRow | undefined {
    const r = this.db.prepare('SELECT * FROM hosts WHERE hostname = ?').get(hostname) as RawHost | undefined
    return r ? fromRaw(r) : undefined
  }

  insert(hostname: string, limits: HostLimits, now = Date.now()): HostRow {
    const info = this.db
      .prepare(
        'INSERT INTO hosts (hostname, account_limit, events_per_second, created_at) VALUES (?, ?, ?, ?)',
      )
      .run(hostname, limits.accountLimit, limits.eventsPerSecond, now)
    return {
      id: Number(info.lastInsertRowid),
      hostname,
      cursor: null,
      banned: false,
      limits,
      createdAt: now,
      lastError: null,
    }
  }

  /** Persists a cursor; call inside the flush transaction. */
  setCursor(id: number, cursor: number | null): void {
    this.setCursorStmt.run(cursor, id)
  }

  setBanned(id: number, banned: boolean): void {
    this.db.prepare('UPDATE hosts SET banned = ? WHERE id = ?').run(banned ? 1 : 0, id)
  }

  setLimits(id: number, limits: HostLimits): void {
    this.db
      .prepare('UPDATE hosts SET account_limit = ?, events_per_second = ? WHERE id = ?')
      .run(limits.accountLimit, limits.eventsPerSecond, id)
  }

  setLastError(id: number, error: string | null): void {
    this.db.prepare('UPDATE hosts SET last_error = ? WHERE id = ?').run(error, id)
  }
}

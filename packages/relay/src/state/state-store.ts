// Per-account state: SQLite is the truth, a bounded LRU cache sits in front of it, and changes
// are written behind — held in a dirty set until the relay's next flush writes them in one
// transaction with the host cursors. A dirty entry stays reachable (and is never evicted) until
// it is written, so a read always sees the latest state.
import type { Sqlite } from '../db/database.js'
import { Lru } from '../util/lru.js'
import { blankState, type RepoRow, type RepoState, rowFromState, stateFromRow } from './repo-state.js'

/** Dirty states as column values, taken at one instant: new rows, and rows known to exist. */
export interface StateRows {
  inserts: unknown[][]
  updates: unknown[][]
}

const UPSERT = `INSERT INTO repos (did, host_id, rev, head, data, upstream_active, upstream_status, takedown,
    signing_key, pds, resolved_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (did) DO UPDATE SET host_id = excluded.host_id, rev = excluded.rev, head = excluded.head,
    data = excluded.data, upstream_active = excluded.upstream_active, upstream_status = excluded.upstream_status,
    takedown = excluded.takedown, signing_key = excluded.signing_key, pds = excluded.pds,
    resolved_at = excluded.resolved_at`

// A row that exists is updated in place: cheaper than an upsert's failed insert first.
const UPDATE = `UPDATE repos SET host_id = ?, rev = ?, head = ?, data = ?, upstream_active = ?,
    upstream_status = ?, takedown = ?, signing_key = ?, pds = ?, resolved_at = ? WHERE did = ?`

export class StateStore {
  private readonly cache: Lru<string, RepoState>
  private dirty = new Map<string, RepoState>()
  private readonly selectOne
  private readonly upsert
  private readonly update

  constructor(
    private readonly db: Sqlite,
    cacheSize: number,
  ) {
    this.cache = new Lru(cacheSize)
    this.selectOne = db.prepare('SELECT * FROM repos WHERE did = ?')
    this.upsert = db.prepare(UPSERT)
    this.update = db.prepare(UPDATE)
  }

  /** The account's state, or undefined when the relay has never recorded it. */
  get(did: string): RepoState | undefined {
    const d = this.dirty.get(did)
    if (d) return d
    const hit = this.cache.get(did)
    if (hit) return hit
    const row = this.selectOne.get(did) as RepoRow | undefined
    if (!row) return undefined
    const state = stateFromRow(row)
    this.cache.set(did, state)
    return state
  }

  /** The account's state, a blank one (not yet stored) when unknown. */
  getOrBlank(did: string): RepoState {
    return this.get(did) ?? blankState(did)
  }

  /** Records a change; written at the next flush. */
  put(state: RepoState): void {
    this.dirty.set(state.did, state)
    this.cache.set(state.did, state)
  }

  get dirtyCount(): number {
    return this.dirty.size
  }

  /** Writes the dirty states; call inside the flush transaction. */
  writeDirty(): number {
    return this.writeRows(this.takeDirtyRows())
  }

  /**
   * The dirty states as rows, taken now (states are mutated in place later, and a flush must
   * write what was true when the log was synced).
   */
  takeDirtyRows(): StateRows {
    const batch = this.dirty
    const rows: StateRows = { inserts: [], updates: [] }
    if (batch.size === 0) return rows
    this.dirty = new Map()
    for (const s of batch.values()) {
      ;(s.stored ? rows.updates : rows.inserts).push(rowFromState(s))
      // Written at the next commit of these rows; a later flush may update it in place.
      s.stored = true
    }
    return rows
  }

  writeRows(rows: StateRows): number {
    for (const r of rows.inserts) this.upsert.run(...r)
    // A row marked stored whose insert was lost (a failed flush) is inserted after all.
    for (const r of rows.updates) {
      if (this.update.run(...r.slice(1), r[0]).changes === 0) this.upsert.run(...r)
    }
    return rows.inserts.length + rows.updates.length
  }

  /** Accounts per host, from the stored rows (dirty ones must have been written). */
  countByHost(): Map<number, number> {
    const rows = this.db
      .prepare('SELECT host_id, count(*) AS n FROM repos WHERE host_id IS NOT NULL GROUP BY host_id')
      .all() as { host_id: number; n: number }[]
    return new Map(rows.map((r) => [r.host_id, r.n]))
  }

  /** Accounts with a commit, by DID after `cursor` (listRepos). */
  listRepos(after: string, limit: number): RepoState[] {
    const rows = this.db
      .prepare('SELECT * FROM repos WHERE did > ? AND head IS NOT NULL ORDER BY did LIMIT ?')
      .all(after, limit) as RepoRow[]
    return rows.map((r) => this.dirty.get(r.did) ?? stateFromRow(r))
  }

  /** Number of stored accounts (dirty ones must have been written). */
  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM repos').get() as { n: number }).n
  }

  get cacheSize(): number {
    return this.cache.size
  }
}

// The embedded backend: one SQLite file in WAL mode with synchronous=FULL, so an acknowledged
// op survives power loss. Concurrent submissions are group-committed: every op that arrives
// within one event-loop turn is validated and written inside one IMMEDIATE transaction (each
// in its own savepoint, so one bad op does not undo the others) and shares one fsync. The
// transaction is synchronous, which also makes per-DID serialization automatic in-process;
// IMMEDIATE takes SQLite's write lock up front, serializing other processes too.
import { Database, type SqliteDatabase, type SqliteStatement, type SqliteTransaction } from '@welkin/sqlite'
import { PlcStoreError } from '../errors.js'
import type { AppendDecision, DecideFn, PlcStore, StoredOp } from './types.js'

export interface SqliteStoreOptions {
  /** Database file, or ':memory:'. */
  path: string
  /** 'full' (default) survives power loss; 'normal' only process crashes, for throwaway networks. */
  synchronous?: 'full' | 'normal'
  /** Most ops per group commit. */
  maxBatch?: number
  /** Wall clock in ms (default Date.now); tests inject one to move time without sleeping. */
  clock?: () => number
}

interface Row {
  seq: number
  did: string
  cid: string
  operation: string
  nullified: number
  created_at: string
}

interface Pending {
  did: string
  decide: DecideFn
  resolve: (op: StoredOp) => void
  reject: (err: unknown) => void
  result?: StoredOp
  error?: unknown
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS plc_op (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  did TEXT NOT NULL,
  cid TEXT NOT NULL,
  operation TEXT NOT NULL,
  nullified INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS plc_op_did ON plc_op (did, seq);
CREATE UNIQUE INDEX IF NOT EXISTS plc_op_did_cid ON plc_op (did, cid);
CREATE INDEX IF NOT EXISTS plc_op_created ON plc_op (created_at);
`

const COLUMNS = 'seq, did, cid, operation, nullified, created_at'

function toStored(row: Row): StoredOp {
  return {
    seq: row.seq,
    did: row.did,
    cid: row.cid,
    operation: JSON.parse(row.operation),
    nullified: row.nullified !== 0,
    createdAt: row.created_at,
  }
}

export class SqlitePlcStore implements PlcStore {
  readonly kind = 'sqlite'
  readonly #db: SqliteDatabase
  readonly #maxBatch: number
  readonly #clock: () => number
  readonly #history: SqliteStatement<[string], Row>
  readonly #active: SqliteStatement<[string], Row>
  readonly #last: SqliteStatement<[string], Row>
  readonly #lastCreated: SqliteStatement<[], { created_at: string }>
  readonly #insert: SqliteStatement<[string, string, string, string]>
  readonly #nullify: SqliteStatement<[string, string]>
  readonly #bySeq: SqliteStatement<[number, number], Row>
  readonly #byTime: SqliteStatement<[string, number], Row>
  readonly #sameTime: SqliteStatement<[string, number, number], Row>
  readonly #applyOne: (item: Pending, createdAt: string) => StoredOp
  readonly #applyBatch: SqliteTransaction<(items: Pending[]) => void>
  #queue: Pending[] = []
  #scheduled = false
  #closed = false

  constructor(opts: SqliteStoreOptions) {
    try {
      this.#db = new Database(opts.path)
      this.#db.pragma('journal_mode = WAL')
      this.#db.pragma(`synchronous = ${opts.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`)
      this.#db.pragma('busy_timeout = 5000')
      this.#db.exec(SCHEMA)
    } catch (err) {
      throw new PlcStoreError(`opening SQLite database ${opts.path}: ${(err as Error).message}`, {
        cause: err,
      })
    }
    this.#maxBatch = opts.maxBatch ?? 512
    this.#clock = opts.clock ?? Date.now
    const db = this.#db
    this.#history = db.prepare(`SELECT ${COLUMNS} FROM plc_op WHERE did = ? ORDER BY seq`)
    this.#active = db.prepare(`SELECT ${COLUMNS} FROM plc_op WHERE did = ? AND nullified = 0 ORDER BY seq`)
    this.#last = db.prepare(
      `SELECT ${COLUMNS} FROM plc_op WHERE did = ? AND nullified = 0 ORDER BY seq DESC LIMIT 1`,
    )
    this.#lastCreated = db.prepare('SELECT created_at FROM plc_op ORDER BY seq DESC LIMIT 1')
    this.#insert = db.prepare('INSERT INTO plc_op (did, cid, operation, created_at) VALUES (?, ?, ?, ?)')
    this.#nullify = db.prepare('UPDATE plc_op SET nullified = 1 WHERE did = ? AND cid = ?')
    this.#bySeq = db.prepare(`SELECT ${COLUMNS} FROM plc_op WHERE seq > ? ORDER BY seq LIMIT ?`)
    this.#byTime = db.prepare(
      `SELECT ${COLUMNS} FROM plc_op WHERE created_at > ? ORDER BY created_at, seq LIMIT ?`,
    )
    this.#sameTime = db.prepare(
      `SELECT ${COLUMNS} FROM plc_op WHERE created_at = ? AND seq > ? ORDER BY seq LIMIT ?`,
    )
    // Nested db.transaction runs in a savepoint: a refused op rolls back alone.
    this.#applyOne = db.transaction((item: Pending, createdAt: string) => {
      const history = this.#history.all(item.did).map(toStored)
      const decision: AppendDecision = item.decide(history, Date.parse(createdAt))
      const info = this.#insert.run(item.did, decision.cid, JSON.stringify(decision.operation), createdAt)
      for (const cid of decision.nullify) this.#nullify.run(item.did, cid)
      return {
        seq: Number(info.lastInsertRowid),
        did: item.did,
        cid: decision.cid,
        operation: decision.operation,
        nullified: false,
        createdAt,
      }
    })
    this.#applyBatch = db.transaction((items: Pending[]) => {
      // createdAt never goes backwards in seq order, even if the wall clock does.
      const last = this.#lastCreated.get()
      const now = Math.max(this.#clock(), last ? Date.parse(last.created_at) : 0)
      const createdAt = new Date(now).toISOString()
      for (const item of items) {
        try {
          item.result = this.#applyOne(item, createdAt)
        } catch (err) {
          item.error = err
        }
      }
    })
  }

  async getOps(did: string, opts: { includeNullified?: boolean } = {}): Promise<StoredOp[]> {
    return (opts.includeNullified ? this.#history : this.#active).all(did).map(toStored)
  }

  async getLastOp(did: string): Promise<StoredOp | null> {
    const row = this.#last.get(did)
    return row ? toStored(row) : null
  }

  appendOp(did: string, decide: DecideFn): Promise<StoredOp> {
    if (this.#closed) return Promise.reject(new PlcStoreError('the store is closed'))
    return new Promise((resolve, reject) => {
      this.#queue.push({ did, decide, resolve, reject })
      if (!this.#scheduled) {
        this.#scheduled = true
        setImmediate(() => this.#flush())
      }
    })
  }

  #flush(): void {
    this.#scheduled = false
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.#maxBatch)
      try {
        this.#applyBatch.immediate(batch)
      } catch (err) {
        const failure = new PlcStoreError(`SQLite write failed: ${(err as Error).message}`, { cause: err })
        for (const item of batch) item.reject(failure)
        continue
      }
      for (const item of batch) {
        if (item.result) item.resolve(item.result)
        else item.reject(item.error)
      }
    }
  }

  async exportBySeq(after: number, count: number): Promise<StoredOp[]> {
    return this.#bySeq.all(after, count).map(toStored)
  }

  async exportByTime(after: string | undefined, count: number): Promise<StoredOp[]> {
    const rows = this.#byTime.all(after ?? '', count)
    const last = rows[rows.length - 1]
    if (rows.length === count && last) rows.push(...this.#sameTime.all(last.created_at, last.seq, 10_000))
    return rows.map(toStored)
  }

  async healthCheck(): Promise<void> {
    this.#db.prepare('SELECT 1').get()
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#flush()
    this.#closed = true
    this.#db.close()
  }
}

export function openSqliteStore(opts: SqliteStoreOptions): SqlitePlcStore {
  return new SqlitePlcStore(opts)
}

// The server backend of GraphStore: one SQLite file in WAL mode. `putBatch` is one
// transaction, so a batch is stored whole or not at all and, once it returns, survives a
// killed process (synchronous=NORMAL; 'full' also survives power loss, at one fsync per
// batch). Text columns compare with BINARY, which for UTF-8 is code point order: the
// canonical order of @welkin/graph, so iteration is a plain ORDER BY.
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { decodeCbor, encodeCbor } from '@welkin/data'
import {
  GraphEntry,
  type GraphStore,
  hamCompare,
  type IterateOptions,
  valueFromData,
  valueToData,
} from '@welkin/graph'
import { Database, type SqliteDatabase, type SqliteStatement, type SqliteTransaction } from '@welkin/sqlite'
import { MeshStoreError } from '../errors.js'

export interface SqliteGraphStoreOptions {
  /** Database file, or ':memory:'. Parent directories are created. */
  path: string
  /** 'normal' (default) survives a killed process; 'full' survives power loss too. */
  synchronous?: 'normal' | 'full'
}

interface Row {
  soul: string
  prop: string
  state: number
  value: Uint8Array
  sig: Uint8Array | null
}

const SCHEMA_VERSION = 1
const SCHEMA = `
CREATE TABLE IF NOT EXISTS graph_entry (
  soul TEXT NOT NULL,
  prop TEXT NOT NULL,
  state INTEGER NOT NULL,
  value BLOB NOT NULL,
  sig BLOB,
  PRIMARY KEY (soul, prop)
) WITHOUT ROWID;
`
/** Rows fetched per query while iterating: no statement stays open across a `yield`. */
const PAGE = 1000

export class SqliteGraphStore implements GraphStore {
  readonly path: string
  readonly #db: SqliteDatabase
  readonly #get: SqliteStatement<[string, string], Row>
  readonly #soul: SqliteStatement<[string], Row>
  readonly #first: SqliteStatement<[number], Row>
  readonly #after: SqliteStatement<[string, string, string, number], Row>
  readonly #upsert: SqliteStatement<[string, string, number, Uint8Array, Uint8Array | null]>
  readonly #count: SqliteStatement<[], { n: number }>
  readonly #batch: SqliteTransaction<(entries: readonly GraphEntry[]) => void>

  constructor(opts: SqliteGraphStoreOptions) {
    this.path = opts.path
    let db: SqliteDatabase | undefined
    try {
      if (opts.path !== ':memory:') mkdirSync(dirname(opts.path), { recursive: true })
      db = new Database(opts.path, { timeout: 0 })
      this.#db = db
      // One node per file: the exclusive lock, taken by the write below, holds until close,
      // so a second process on the same data directory fails here instead of forking it.
      this.#db.pragma('locking_mode = EXCLUSIVE')
      this.#db.pragma('journal_mode = WAL')
      this.#db.pragma(`synchronous = ${opts.synchronous === 'full' ? 'FULL' : 'NORMAL'}`)
      const version = this.#db.pragma('user_version', { simple: true }) as number
      if (version > SCHEMA_VERSION)
        throw new MeshStoreError(
          `${opts.path} has schema version ${version}; this build knows ${SCHEMA_VERSION}`,
        )
      this.#db.exec(SCHEMA)
      this.#db.pragma(`user_version = ${SCHEMA_VERSION}`)
    } catch (err) {
      db?.close()
      if (err instanceof MeshStoreError) throw err
      if ((err as { code?: string }).code === 'SQLITE_BUSY')
        throw new MeshStoreError(`graph store ${opts.path} is in use by another process`, { cause: err })
      throw new MeshStoreError(`cannot open graph store ${opts.path}: ${(err as Error).message}`, {
        cause: err,
      })
    }
    const cols = 'soul, prop, state, value, sig'
    this.#get = this.#db.prepare(`SELECT ${cols} FROM graph_entry WHERE soul = ? AND prop = ?`)
    this.#soul = this.#db.prepare(`SELECT ${cols} FROM graph_entry WHERE soul = ? ORDER BY prop`)
    this.#first = this.#db.prepare(`SELECT ${cols} FROM graph_entry ORDER BY soul, prop LIMIT ?`)
    this.#after = this.#db.prepare(
      `SELECT ${cols} FROM graph_entry WHERE soul > ? OR (soul = ? AND prop > ?) ORDER BY soul, prop LIMIT ?`,
    )
    this.#upsert = this.#db.prepare(
      'INSERT OR REPLACE INTO graph_entry (soul, prop, state, value, sig) VALUES (?, ?, ?, ?, ?)',
    )
    this.#count = this.#db.prepare('SELECT count(*) AS n FROM graph_entry')
    this.#batch = this.#db.transaction((entries: readonly GraphEntry[]) => {
      for (const e of entries) {
        const row = this.#get.get(e.soul, e.prop)
        // States usually differ, so the stored value is decoded only for an equal-state tie.
        if (
          row !== undefined &&
          (row.state > e.state || (row.state === e.state && hamCompare(e, toEntry(row)) <= 0))
        )
          continue
        this.#upsert.run(e.soul, e.prop, e.state, encodeCbor(valueToData(e.value)), e.sig)
      }
    })
  }

  get(soul: string, prop: string): GraphEntry | undefined {
    const row = this.#run(() => this.#get.get(soul, prop))
    return row === undefined ? undefined : toEntry(row)
  }

  getSoul(soul: string): GraphEntry[] {
    return this.#run(() => this.#soul.all(soul)).map(toEntry)
  }

  putBatch(entries: readonly GraphEntry[]): void {
    if (entries.length === 0) return
    this.#run(() => this.#batch(entries))
  }

  *iterate(opts: IterateOptions = {}): Generator<GraphEntry> {
    let left = opts.limit ?? Number.POSITIVE_INFINITY
    let after = opts.after
    while (left > 0) {
      const n = Math.min(PAGE, left)
      const rows = this.#run(() =>
        after === undefined ? this.#first.all(n) : this.#after.all(after.soul, after.soul, after.prop, n),
      )
      for (const row of rows) yield toEntry(row)
      if (rows.length < n) return
      left -= rows.length
      const last = rows[rows.length - 1]
      after = { soul: last.soul, prop: last.prop }
    }
  }

  /** Number of stored entries. */
  count(): number {
    return this.#run(() => this.#count.get()!.n)
  }

  close(): void {
    if (this.#db.open) this.#db.close()
  }

  #run<T>(fn: () => T): T {
    try {
      return fn()
    } catch (err) {
      if (err instanceof MeshStoreError) throw err
      throw new MeshStoreError(`graph store ${this.path}: ${(err as Error).message}`, { cause: err })
    }
  }
}

function toEntry(row: Row): GraphEntry {
  let value: ReturnType<typeof valueFromData>
  try {
    value = valueFromData(decodeCbor(row.value))
  } catch (err) {
    throw new MeshStoreError(`corrupt value at ${JSON.stringify(row.soul)}.${JSON.stringify(row.prop)}`, {
      cause: err,
    })
  }
  const sig = row.sig === null ? null : new Uint8Array(row.sig)
  return new GraphEntry(row.soul, row.prop, value, row.state, sig)
}

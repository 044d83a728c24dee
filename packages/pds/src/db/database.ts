// The PDS's SQLite database (better-sqlite3, WAL): a reader / transactor pair in the style of the
// official implementation, over one synchronous connection. Transactions are synchronous
// functions, so no other JavaScript runs inside one; keep them short.
import { closeSync, existsSync, openSync } from 'node:fs'
import { dirname } from 'node:path'
import { Database, type SqliteDatabase, type SqliteStatement, type SqliteTransaction } from '@welkin/sqlite'
import type { SqliteSynchronous } from '../config.js'
import { DatabaseError } from '../errors.js'
import { ensureDir } from '../fs-util.js'
import { type CheckpointerOptions, WalCheckpointer } from './checkpointer.js'
import { MIGRATIONS, type Migration } from './schema.js'
import { WriteGate } from './write-gate.js'

export type Statement = SqliteStatement
export type Sqlite = SqliteDatabase

export interface DatabaseOptions {
  /**
   * `normal` (default): in WAL mode a commit is appended to the WAL and handed to the OS without
   * fsync. A killed process (kill -9, crash, OOM) loses nothing the OS accepted, so every
   * acknowledged write survives; only a power loss or kernel crash may roll back the last few
   * commits, and never corrupts the file (sqlite.org/wal.html, "synchronous=NORMAL"). `full`
   * fsyncs the WAL on every commit, for power-loss durability at a latency cost.
   */
  synchronous?: SqliteSynchronous
  /**
   * `background` (default): checkpoints run on a worker thread (checkpointer.ts) and never in a
   * commit. `auto`: SQLite's own, inside the commit that crosses 1000 WAL pages. `off`: none
   * (an external tool such as Litestream owns checkpoints).
   */
  checkpoints?: 'background' | 'auto' | 'off'
  /** Tuning of the background checkpointer. */
  checkpointer?: CheckpointerOptions
  /**
   * Page cache in MiB (default 8). Bigger is slower for writes: at the end of every transaction
   * SQLite's page cache may scan its whole hash table (pcache1TruncateUnsafe), which measured
   * 2x the cost of an 8 MiB cache at 64 MiB. Reads beyond it come from the OS page cache.
   */
  cacheMiB?: number
  migrations?: readonly Migration[]
}

export class PdsDatabase {
  readonly #statements = new Map<string, Statement>()
  #closed = false
  #checkpointer: WalCheckpointer | undefined
  /** Closed while the background checkpointer catches up; the group committer waits on it. */
  readonly writeGate = new WriteGate()

  private constructor(
    readonly sqlite: Sqlite,
    readonly path: string,
  ) {}

  /** Opens (creating with mode 0600 when absent) and migrates the database at `path`. */
  static open(path: string, opts: DatabaseOptions = {}): PdsDatabase {
    ensureDir(dirname(path))
    // SQLite creates the -wal and -shm files with the database file's permissions.
    if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600))
    let sqlite: Sqlite
    try {
      sqlite = new Database(path)
    } catch (err) {
      throw new DatabaseError(`cannot open ${path}: ${(err as Error).message}`, { cause: err })
    }
    try {
      sqlite.pragma('journal_mode = WAL')
      sqlite.pragma(`synchronous = ${opts.synchronous === 'full' ? 'FULL' : 'NORMAL'}`)
      sqlite.pragma('busy_timeout = 5000')
      sqlite.pragma('temp_store = MEMORY')
      sqlite.pragma(`cache_size = ${-1024 * (opts.cacheMiB ?? 8)}`)
      const checkpoints = opts.checkpoints ?? 'background'
      sqlite.pragma(`wal_autocheckpoint = ${checkpoints === 'auto' ? 1000 : 0}`)
      const db = new PdsDatabase(sqlite, path)
      db.migrate(opts.migrations ?? MIGRATIONS)
      if (checkpoints === 'background') {
        db.#checkpointer = new WalCheckpointer(path, opts.checkpointer, db.writeGate)
      }
      return db
    } catch (err) {
      sqlite.close()
      if (err instanceof DatabaseError) throw err
      throw new DatabaseError(`cannot set up ${path}: ${(err as Error).message}`, { cause: err })
    }
  }

  /** A prepared statement, compiled once per connection. */
  prepare(sql: string): Statement {
    let s = this.#statements.get(sql)
    if (s === undefined) {
      s = this.sqlite.prepare(sql)
      this.#statements.set(sql, s)
    }
    return s
  }

  /** Runs reads that must see one consistent snapshot. */
  read<T>(fn: (db: PdsDatabase) => T): T {
    return this.#run(fn, 'deferred')
  }

  /**
   * Runs `fn` in one IMMEDIATE transaction: all of it commits or none of it does. Nested calls
   * become savepoints, so a failing inner step can be rolled back alone.
   */
  transact<T>(fn: (db: PdsDatabase) => T): T {
    return this.#run(fn, 'immediate')
  }

  get inTransaction(): boolean {
    return this.sqlite.inTransaction
  }

  // One transaction function per connection, calling whatever `#body` holds: better-sqlite3
  // builds four wrappers per transaction() call, which every write and read would pay again.
  #body: ((db: PdsDatabase) => unknown) | undefined
  #tx: SqliteTransaction<() => unknown> | undefined

  #run<T>(fn: (db: PdsDatabase) => T, mode: 'deferred' | 'immediate'): T {
    this.#tx ??= this.sqlite.transaction(() => {
      const out = this.#body!(this)
      if (out instanceof Promise) throw new DatabaseError('a transaction function must be synchronous')
      return out
    })
    // Nested calls (savepoints) replace the body for their duration only.
    const outer = this.#body
    this.#body = fn
    try {
      return this.#tx[mode]() as T
    } finally {
      this.#body = outer
    }
  }

  migrate(migrations: readonly Migration[]): void {
    this.sqlite.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL) STRICT')
    const row = this.sqlite.prepare('SELECT max(version) AS v FROM schema_version').get() as {
      v: number | null
    }
    const current = row.v ?? 0
    const latest = migrations.reduce((m, x) => Math.max(m, x.version), 0)
    if (current > latest) {
      throw new DatabaseError(
        `${this.path} has schema version ${current}, newer than this Welkin (${latest})`,
      )
    }
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (m.version <= current) continue
      this.sqlite
        .transaction(() => {
          this.sqlite.exec(m.sql)
          this.sqlite.prepare('INSERT INTO schema_version (version) VALUES (?)').run(m.version)
        })
        .immediate()
    }
  }

  get schemaVersion(): number {
    return (this.sqlite.prepare('SELECT max(version) AS v FROM schema_version').get() as { v: number }).v
  }

  /**
   * A separate read-only connection holding one read transaction: a consistent snapshot (WAL
   * snapshot isolation) for reads that span awaits, such as streaming a repo export while writes
   * continue. The caller must `release` it.
   */
  openSnapshot(): { sqlite: Sqlite; release: () => void } {
    const sqlite = new Database(this.path, { readonly: true })
    sqlite.pragma('busy_timeout = 5000')
    sqlite.exec('BEGIN')
    // The snapshot is taken at the first read, not at BEGIN.
    sqlite.prepare('SELECT count(*) FROM schema_version').get()
    let released = false
    return {
      sqlite,
      release: () => {
        if (released) return
        released = true
        sqlite.exec('COMMIT')
        sqlite.close()
      },
    }
  }

  /** Copies WAL pages into the database file without blocking writers for long. */
  checkpoint(mode: 'PASSIVE' | 'TRUNCATE' = 'PASSIVE'): void {
    this.sqlite.pragma(`wal_checkpoint(${mode})`)
  }

  get closed(): boolean {
    return this.#closed
  }

  /** Closes at once; a background checkpointer finishes on its own shortly after. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    void this.#checkpointer?.stop()
    this.#statements.clear()
    this.sqlite.close()
  }

  /**
   * Stops the checkpointer and waits for it, then closes: the last connection to close
   * checkpoints the WAL into the database file, and no thread touches the files afterwards.
   */
  async shutdown(): Promise<void> {
    if (this.#closed) return
    const checkpointer = this.#checkpointer
    this.#checkpointer = undefined
    await checkpointer?.stop()
    this.close()
  }
}

// The relay's SQLite database (better-sqlite3, WAL): hosts with their cursors and limits, one
// compact row of sync state per account, the collection index for listReposByCollection, and a
// little metadata. Writes come in batches (one transaction per flush interval), so WAL with
// synchronous=NORMAL costs one WAL append per batch; the output log is fsynced before each.
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { Database, type SqliteDatabase } from '@welkin/sqlite'
import { StateStoreError } from '../errors.js'

export type Sqlite = SqliteDatabase

const MIGRATIONS: string[] = [
  `CREATE TABLE hosts (
     id INTEGER PRIMARY KEY,
     hostname TEXT NOT NULL UNIQUE,
     cursor INTEGER,
     banned INTEGER NOT NULL DEFAULT 0,
     account_limit INTEGER NOT NULL,
     events_per_second INTEGER NOT NULL,
     created_at INTEGER NOT NULL,
     last_error TEXT
   );
   CREATE TABLE repos (
     did TEXT PRIMARY KEY,
     host_id INTEGER,
     rev TEXT,
     head BLOB,
     data BLOB,
     upstream_active INTEGER NOT NULL DEFAULT 1,
     upstream_status TEXT,
     takedown INTEGER NOT NULL DEFAULT 0,
     signing_key TEXT,
     pds TEXT,
     resolved_at INTEGER
   ) WITHOUT ROWID;
   CREATE INDEX repos_host ON repos (host_id);
   CREATE TABLE repo_collections (
     collection TEXT NOT NULL,
     did TEXT NOT NULL,
     PRIMARY KEY (collection, did)
   ) WITHOUT ROWID;
   CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;`,
]

export interface OpenDbOptions {
  /** Page cache in MiB (default 16). */
  cacheMiB?: number
  /** FULL for metadata that must survive power loss; NORMAL (default) otherwise. */
  synchronous?: 'NORMAL' | 'FULL'
  migrations?: string[]
}

/** Opens (creating) and migrates the database at `path`. */
export function openDatabase(path: string, opts: OpenDbOptions = {}): Sqlite {
  mkdirSync(dirname(path), { recursive: true })
  let db: Sqlite
  try {
    db = new Database(path)
  } catch (err) {
    throw new StateStoreError(`cannot open ${path}: ${(err as Error).message}`, { cause: err })
  }
  try {
    db.pragma('journal_mode = WAL')
    db.pragma(`synchronous = ${opts.synchronous ?? 'NORMAL'}`)
    db.pragma('busy_timeout = 5000')
    db.pragma('temp_store = MEMORY')
    db.pragma(`cache_size = ${-1024 * (opts.cacheMiB ?? 16)}`)
    migrate(db, opts.migrations ?? MIGRATIONS)
    return db
  } catch (err) {
    db.close()
    throw new StateStoreError(`cannot set up ${path}: ${(err as Error).message}`, { cause: err })
  }
}

function migrate(db: Sqlite, migrations: string[]): void {
  const version = db.pragma('user_version', { simple: true }) as number
  if (version > migrations.length)
    throw new StateStoreError(`database schema ${version} is newer than this relay (${migrations.length})`)
  for (let v = version; v < migrations.length; v++) {
    db.transaction(() => {
      db.exec(migrations[v])
      db.pragma(`user_version = ${v + 1}`)
    })()
  }
}

/** A metadata integer, e.g. the seq reservation. */
export function getMeta(db: Sqlite, key: string): number | undefined {
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: number } | undefined
  return row?.value
}

export function setMeta(db: Sqlite, key: string, value: number): void {
  db.prepare(
    'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  ).run(key, value)
}

// Picks a backend from operator configuration: PostgreSQL when a postgres:// URL is given,
// else SQLite in a data directory (or in memory when neither is given).
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { openPostgresStore } from './postgres.js'
import { openSqliteStore } from './sqlite.js'
import type { PlcStore } from './types.js'

export interface OpenStoreOptions {
  /** Directory for the SQLite file (created if missing). */
  dataDir?: string
  /** postgres://... URL; wins over dataDir. */
  db?: string
  /** PostgreSQL schema (default public). */
  schema?: string
  /** SQLite durability; see SqliteStoreOptions. */
  synchronous?: 'full' | 'normal'
}

export const SQLITE_FILE = 'plc.sqlite'

export async function openPlcStore(opts: OpenStoreOptions): Promise<PlcStore> {
  if (opts.db) {
    if (!/^postgres(ql)?:\/\//.test(opts.db))
      throw new TypeError('db must be a postgres:// or postgresql:// URL')
    return openPostgresStore({ url: opts.db, schema: opts.schema })
  }
  if (!opts.dataDir) return openSqliteStore({ path: ':memory:', synchronous: opts.synchronous })
  mkdirSync(opts.dataDir, { recursive: true })
  return openSqliteStore({ path: join(opts.dataDir, SQLITE_FILE), synchronous: opts.synchronous })
}

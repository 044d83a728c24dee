// @welkin/sqlite: the one place that chooses the SQLite driver. Every service opens its
// databases through better-sqlite3, but no single release of it works on every Node we support:
// - 12.x uses Node's raw ObjectWrap. Built against Node 24.19+ headers, its Statement
//   destructor calls RemoveEnvironmentCleanupHook, which aborts the process (`(env) != nullptr`)
//   whenever a garbage-collected statement is finalized outside a JS context — at random points
//   under load, reproduced here on Node 24.21.
// - 13.x is built on N-API and fixes that, but requires Node >= 22 and crashes on Node 20.
// So Node 20 and 22 load 12.x (tested on both), Node 24 and later load 13.x, installed under the
// alias `better-sqlite3-13`. Both have the same API; the types are @types/better-sqlite3's.
import { createRequire } from 'node:module'
import type BetterSqlite3 from 'better-sqlite3'

const require = createRequire(import.meta.url)
const nodeMajor = Number(process.versions.node.split('.')[0])

/** The module the driver is loaded from on this Node. */
export const driverModule: string = nodeMajor >= 24 ? 'better-sqlite3-13' : 'better-sqlite3'

/** Absolute path of that module, for worker threads that open their own connection. */
export const driverPath: string = require.resolve(driverModule)

/** The better-sqlite3 `Database` constructor: `new Database(path, options)`. */
export const Database = require(driverModule) as typeof BetterSqlite3

export type SqliteDatabase = BetterSqlite3.Database
export type SqliteOptions = BetterSqlite3.Options
export type SqliteStatement<
  Bind extends unknown[] | object = unknown[],
  Result = unknown,
> = BetterSqlite3.Statement<Bind, Result>
// biome-ignore lint/suspicious/noExplicitAny: mirrors better-sqlite3's own bound for transaction functions
export type SqliteTransaction<F extends (...args: any[]) => unknown> = BetterSqlite3.Transaction<F>

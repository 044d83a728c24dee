// @welkin/plc: a did:plc directory. Validates and stores operations (rules from
// @welkin/identity) in SQLite or PostgreSQL, and serves documents, logs and the export over
// HTTP with the routes of the public directory.

export {
  type AuditLogEntry,
  type DidState,
  MAX_EXPORT_COUNT,
  PlcDirectory,
  type PlcDirectoryOptions,
  type SeqExportEntry,
} from './directory.js'
export { HttpError, PlcDirectoryError, PlcStoreError, RateLimitedError } from './errors.js'
export {
  addressKey,
  type ClientRateLimit,
  ClientRateLimiter,
  clientAddress,
  DEFAULT_CLIENT_RATE_LIMIT,
} from './http/client-limit.js'
export { createPlcHandler, DEFAULT_MAX_BODY_BYTES, type PlcHandlerOptions } from './http/handler.js'
export { DEFAULT_PLC_PORT, type PlcServer, type PlcServerOptions, startPlcServer } from './http/server.js'
export { DEFAULT_OP_RATE_LIMITS, type OpRateLimits } from './op-limits.js'
export { type OpenStoreOptions, openPlcStore, SQLITE_FILE } from './store/open.js'
export { openPostgresStore, PostgresPlcStore, type PostgresStoreOptions } from './store/postgres.js'
export { openSqliteStore, SqlitePlcStore, type SqliteStoreOptions } from './store/sqlite.js'
export type { AppendDecision, DecideFn, PlcStore, StoredOp } from './store/types.js'

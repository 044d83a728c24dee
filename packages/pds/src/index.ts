// @welkin/pds: the Personal Data Server's foundations. Configuration from the official PDS's
// environment variables, persisted secrets, one SQLite database (accounts, repos, records, the
// event log), the repo writer that commits a write and its `#commit` event atomically, blobs on
// disk, sessions and HS256 tokens. The XRPC endpoints (src/api/) are built on `PdsStore`.

export {
  type Account,
  AccountManager,
  type CreateAccountInput,
  type HostingStatus,
} from './account-manager.js'
export {
  announceSync,
  changeAccountStatus,
  deleteAccount,
  emitSync,
  type StatusChange,
} from './account-status.js'
export {
  ACCESS_SCOPE,
  ACCESS_TOKEN_TTL_SEC,
  APP_PASS_PRIVILEGED_SCOPE,
  APP_PASS_SCOPE,
  createAccessToken,
  createRefreshToken,
  type JwtHeader,
  type JwtPayload,
  REFRESH_SCOPE,
  REFRESH_TOKEN_TTL_SEC,
  signJwt,
  type VerifyOptions,
  verifyAccessToken,
  verifyJwt,
  verifyRefreshToken,
} from './auth/jwt.js'
export { hashPassword, verifyPassword } from './auth/password.js'
export { findBlobRefs } from './blob-refs.js'
export { BlobService, DEFAULT_TEMP_TTL_MS, type GcReport } from './blobs.js'
export { type BlobSource, DiskBlobStore, type TempBlob } from './blobstore.js'
export { BlockCache } from './block-cache.js'
export {
  DEFAULT_BACKFILL_LIMIT_MS,
  DEFAULT_BLOB_UPLOAD_LIMIT,
  DEFAULT_PORT,
  type PdsConfig,
  resolvePdsConfig,
  type SqliteSynchronous,
} from './config.js'
export {
  type AccessCredentials,
  type AccountServices,
  jsonBody,
  mapPdsErrors,
  type PdsAuth,
  type PdsContext,
  type RefreshCredentials,
  toClientError,
} from './context.js'
export { type CheckpointerOptions, WalCheckpointer } from './db/checkpointer.js'
export { type DatabaseOptions, PdsDatabase } from './db/database.js'
export { ENV_NAMES, type PdsEnv, readPdsEnv } from './env.js'
export * from './errors.js'
export { DEFAULT_RETENTION_MS, type EventLog, SqliteEventLog } from './event-log.js'
export {
  type AccountStatus,
  accountBody,
  commitBody,
  decodeEventFrame,
  type EventBody,
  type EventType,
  encodeEventFrame,
  identityBody,
  syncBody,
} from './events.js'
export { type GroupCommitOptions, GroupCommitter } from './group-commit.js'
export { chooseMime, normalizeMime, sniffMime } from './mime.js'
export { NodeCollector, type NodeCollectorOptions } from './node-gc.js'
export { type MaintenanceOptions, PdsStore, type PdsStoreOptions } from './pds-store.js'
export { type ListRecordsOptions, RepoReader, type StoredRecord } from './repo-reader.js'
export { SqlRepoStore } from './repo-store.js'
export {
  type AppliedCommit,
  type ApplyWritesOptions,
  MAX_COMMIT_SLICE_BYTES,
  MAX_RECORD_BYTES,
  type RepoWrite,
  RepoWriter,
  type RepoWriterOptions,
  type WriteResult,
} from './repo-writer.js'
export { loadOrCreateSecrets, type PdsSecrets, SECRETS_FILE, type SecretsFromEnv } from './secrets.js'
export { type EventListener, type SequencedEvent, Sequencer } from './sequencer.js'
export { KeyedQueue } from './serial-queue.js'
export {
  type CreatePdsOptions,
  createPds,
  DEFAULT_REFRESH_GRACE_SEC,
  PDS_VERSION,
  type Pds,
  type PdsLogger,
  startPds,
  type TestPds,
} from './server.js'
export { type AppPassword, type RefreshTokenRecord, SessionStore } from './sessions.js'
export { type StoreReport, verifyPdsStore } from './verify-store.js'

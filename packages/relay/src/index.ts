// @welkin/relay: a relay (sync.md "Repository Event Stream"). It crawls PDS hosts, verifies
// every commit (signature, host authority, rev order, the prevData chain, Sync 1.1 MST
// inversion) with per-account order and cross-account concurrency, and republishes one ordered
// firehose from an append-only segment log with cursor replay; plus the relay's sync API,
// admin endpoints, Prometheus metrics, and an archival mode that keeps full repos.

export { type ArchivedRepo, type ArchiveOptions, ArchiveStore } from './archive/archive-store.js'
export { ArchiveCorruptError } from './archive/corrupt-error.js'
export {
  DEFAULT_PLC_URL,
  DEFAULT_RELAY_PORT,
  EVENTS_DIR,
  type HostLimits,
  RELAY_ENV,
  type RelayConfig,
  resolveRelayConfig,
  SQLITE_FILE,
} from './config.js'
export type { RelayContext } from './context.js'
export {
  ArchiveError,
  EventLogError,
  HostError,
  RelayConfigError,
  RelayError,
  StateStoreError,
  VerifierError,
} from './errors.js'
export { DiskEventLog, type DiskEventLogOptions } from './event-log/disk-event-log.js'
export { HostConnection, type HostStatus } from './host/host-connection.js'
export { checkIsPds, HostManager } from './host/host-manager.js'
export {
  type HostPolicy,
  hostOfEndpoint,
  hostOrigin,
  hostStreamUrl,
  isLoopbackHost,
  normalizeHostname,
} from './hostname.js'
export type { Identity } from './ingest/identity.js'
export { jsonLogger, type LogLevel, type RelayLogger, silentLogger } from './logger.js'
export { MetricsRegistry } from './metrics.js'
export { type CreateRelayOptions, createRelay, RELAY_VERSION, type Relay } from './relay.js'
export { hostingStatus, type RepoState } from './state/repo-state.js'
export { VerifierPool } from './verify/verifier-pool.js'

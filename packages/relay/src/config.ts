// The relay's whole configuration in one typed place: environment variables (or CLI flags,
// given as the same fields) in, a checked RelayConfig out. Nothing else in the package reads
// the environment.
import { availableParallelism } from 'node:os'
import { join, resolve } from 'node:path'
import { RelayConfigError } from './errors.js'

export const DEFAULT_RELAY_PORT = 2470
export const DEFAULT_PLC_URL = 'https://plc.directory'
const HOUR = 3_600_000

export interface HostLimits {
  /** Distinct accounts a host may serve through this relay. */
  accountLimit: number
  /** Sustained events per second accepted from the host; bursts up to 10 s worth. */
  eventsPerSecond: number
}

export interface RelayConfig {
  port: number
  /** Address to bind; 127.0.0.1 unless serving other machines. */
  bindHost: string
  dataDir: string
  plcUrl: string
  /** Admin endpoints are disabled without one. */
  adminPassword: string | undefined
  /** Admit `localhost:PORT` / `127.0.0.1:PORT` hosts over plain ws/http (local networks, tests). */
  allowLoopback: boolean
  /** Keep full repos (getRepo/getRecord/getBlocks served locally, new accounts backfilled). */
  archive: boolean
  /** How long output events stay replayable (default 72 h). */
  replayWindowMs: number
  /** A segment file is sealed past this size (default 64 MiB)... */
  segmentBytes: number
  /** ...or this age, so retention can drop whole segments on time (default 1 h). */
  segmentMaxAgeMs: number
  /** The log is fsynced, then state and host cursors committed, this often (default 250 ms). */
  flushIntervalMs: number
  /** Limits given to a host the first time it is crawled. */
  newHostLimits: HostLimits
  /** Limits for hosts listed in trustedHosts (and what admins usually raise hosts to). */
  trustedHostLimits: HostLimits
  /** Hostnames started with trustedHostLimits, e.g. the operator's own PDS. */
  trustedHosts: string[]
  /** Hosts crawled at start, besides those already known. */
  seedHosts: string[]
  /** Another relay whose listHosts is imported at start. */
  importHostsFrom: string | undefined
  /** Threads verifying commits; 0 verifies on the main thread (default: one per core, at most 8). */
  verifyWorkers: number
  /** Largest upstream frame accepted (default 5 MiB, sync.md). */
  maxFrameBytes: number
  /** Per-account state kept in memory in front of SQLite (default 100,000). */
  stateCacheSize: number
  /** Parsed signing keys and PDS hosts kept in memory (default 200,000). */
  identityCacheSize: number
  /** A cached identity is re-resolved after this long (default 1 h). */
  identityTtlMs: number
  /** How far in the future a rev may be before it is refused (sync.md: a few minutes). */
  revClockSkewMs: number
  /** Accept #commit events without prevData (pre-Sync-1.1 hosts), skipping inversion. */
  allowMissingPrevData: boolean
  /** Subscribers at once (default 10,000). */
  maxSubscribers: number
  /** Frames queued per subscriber before ConsumerTooSlow (default 10,000). */
  subscriberBufferFrames: number
  /** Largest repo fetched for an archive backfill (default 512 MiB). */
  maxRepoBytes: number
}

/** Environment variable names, for `--help` texts and error messages. */
export const RELAY_ENV = {
  port: 'RELAY_PORT',
  bindHost: 'RELAY_BIND_HOST',
  dataDir: 'RELAY_DATA_DIR',
  plcUrl: 'RELAY_PLC_URL',
  adminPassword: 'RELAY_ADMIN_PASSWORD',
  allowLoopback: 'RELAY_ALLOW_LOOPBACK',
  archive: 'RELAY_ARCHIVE',
  replayWindowHours: 'RELAY_REPLAY_WINDOW_HOURS',
  segmentBytes: 'RELAY_SEGMENT_BYTES',
  flushIntervalMs: 'RELAY_FLUSH_INTERVAL_MS',
  newHostAccountLimit: 'RELAY_NEW_HOST_ACCOUNT_LIMIT',
  newHostEventsPerSecond: 'RELAY_NEW_HOST_EVENTS_PER_SECOND',
  trustedHostAccountLimit: 'RELAY_TRUSTED_HOST_ACCOUNT_LIMIT',
  trustedHostEventsPerSecond: 'RELAY_TRUSTED_HOST_EVENTS_PER_SECOND',
  trustedHosts: 'RELAY_TRUSTED_HOSTS',
  seedHosts: 'RELAY_CRAWL',
  importHostsFrom: 'RELAY_IMPORT_HOSTS_FROM',
  verifyWorkers: 'RELAY_VERIFY_WORKERS',
  maxFrameBytes: 'RELAY_MAX_FRAME_BYTES',
  stateCacheSize: 'RELAY_STATE_CACHE_SIZE',
  identityCacheSize: 'RELAY_IDENTITY_CACHE_SIZE',
  identityTtlSeconds: 'RELAY_IDENTITY_TTL_SECONDS',
  allowMissingPrevData: 'RELAY_ALLOW_MISSING_PREV_DATA',
  maxSubscribers: 'RELAY_MAX_SUBSCRIBERS',
} as const

type Env = Record<string, string | undefined>

function int(env: Env, name: string, dflt: number, min = 0): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return dflt
  if (!/^\d+$/.test(raw.trim()))
    throw new RelayConfigError(name, `expected an integer, got ${JSON.stringify(raw)}`)
  const n = Number(raw.trim())
  if (!Number.isSafeInteger(n) || n < min)
    throw new RelayConfigError(name, `must be at least ${min}, got ${n}`)
  return n
}

function bool(env: Env, name: string, dflt: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase()
  if (raw === undefined || raw === '') return dflt
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true
  if (['0', 'false', 'no', 'off'].includes(raw)) return false
  throw new RelayConfigError(name, `expected true or false, got ${JSON.stringify(env[name])}`)
}

function list(env: Env, name: string): string[] {
  const raw = env[name]
  if (!raw) return []
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
}

function httpUrl(name: string, value: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new RelayConfigError(name, `${JSON.stringify(value)} is not a URL`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new RelayConfigError(name, `${value} is not an http(s) URL`)
  return value.replace(/\/+$/, '')
}

// One verification thread per core, up to 8 (each holds its own key cache and module graph).
// The main thread mostly waits on sockets, so it shares a core well.
function defaultWorkers(): number {
  return Math.min(8, Math.max(1, availableParallelism()))
}

/**
 * The configuration from environment-style values (`RELAY_*`, see RELAY_ENV), then `overrides`
 * (typed fields, e.g. from command-line flags) on top. Throws RelayConfigError naming the
 * variable at fault.
 */
export function resolveRelayConfig(env: Env = {}, overrides: Partial<RelayConfig> = {}): RelayConfig {
  const E = RELAY_ENV
  const trustedEps = int(env, E.trustedHostEventsPerSecond, 5_000, 1)
  const config: RelayConfig = {
    port: int(env, E.port, DEFAULT_RELAY_PORT),
    bindHost: env[E.bindHost] || '127.0.0.1',
    dataDir: resolve(env[E.dataDir] || join('data', 'relay')),
    plcUrl: httpUrl(E.plcUrl, env[E.plcUrl] || DEFAULT_PLC_URL),
    adminPassword: env[E.adminPassword] || undefined,
    allowLoopback: bool(env, E.allowLoopback, false),
    archive: bool(env, E.archive, false),
    replayWindowMs: int(env, E.replayWindowHours, 72, 1) * HOUR,
    segmentBytes: int(env, E.segmentBytes, 64 * 1024 * 1024, 4096),
    segmentMaxAgeMs: HOUR,
    flushIntervalMs: int(env, E.flushIntervalMs, 250, 1),
    newHostLimits: {
      accountLimit: int(env, E.newHostAccountLimit, 100, 1),
      eventsPerSecond: int(env, E.newHostEventsPerSecond, 50, 1),
    },
    trustedHostLimits: {
      accountLimit: int(env, E.trustedHostAccountLimit, 10_000_000, 1),
      eventsPerSecond: trustedEps,
    },
    trustedHosts: list(env, E.trustedHosts),
    seedHosts: list(env, E.seedHosts),
    importHostsFrom: env[E.importHostsFrom] ? httpUrl(E.importHostsFrom, env[E.importHostsFrom]!) : undefined,
    verifyWorkers: int(env, E.verifyWorkers, defaultWorkers()),
    maxFrameBytes: int(env, E.maxFrameBytes, 5 * 1024 * 1024, 1024),
    stateCacheSize: int(env, E.stateCacheSize, 100_000, 1),
    identityCacheSize: int(env, E.identityCacheSize, 200_000, 1),
    identityTtlMs: int(env, E.identityTtlSeconds, 3600, 1) * 1000,
    revClockSkewMs: 5 * 60_000,
    allowMissingPrevData: bool(env, E.allowMissingPrevData, false),
    maxSubscribers: int(env, E.maxSubscribers, 10_000, 1),
    subscriberBufferFrames: 10_000,
    maxRepoBytes: 512 * 1024 * 1024,
  }
  const merged = { ...config, ...stripUndefined(overrides) }
  if (merged.port < 0 || merged.port > 65535) throw new RelayConfigError(E.port, `not a port: ${merged.port}`)
  merged.dataDir = resolve(merged.dataDir)
  return merged
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {}
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v
  return out
}

export const SQLITE_FILE = 'relay.sqlite'
export const EVENTS_DIR = 'events'

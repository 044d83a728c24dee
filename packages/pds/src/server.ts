// The PDS as a running server: opens the store, builds the XRPC server over the official
// lexicons, registers every endpoint group and the plain routes, listens, and closes it all in
// order (stop accepting, end streams, let writes finish, close the database).
import { IdentityResolver } from '@welkin/identity'
import { officialLexicons } from '@welkin/lexicon'
import {
  type Handler,
  type MethodOptions,
  type XrpcLogger,
  XrpcServer,
  type XrpcServerOptions,
} from '@welkin/xrpc'
import { registerAdminApi } from './api/admin/index.js'
import { registerIdentityApi } from './api/identity/index.js'
import { PlcClient } from './api/identity/plc-client.js'
import { registerRepoApi } from './api/repo/index.js'
import { EmailTokens } from './api/server/email-token.js'
import { registerServerApi } from './api/server/index.js'
import { registerSyncApi } from './api/sync/index.js'
import { ACCESS_TOKEN_TTL_SEC, REFRESH_TOKEN_TTL_SEC } from './auth/jwt.js'
import { createVerifiers } from './auth/verifiers.js'
import { type PdsConfig, type PdsEnv, resolvePdsConfig } from './config.js'
import { accountStatusCache, mapPdsErrors, type PdsContext } from './context.js'
import { type MaintenanceOptions, PdsStore, type PdsStoreOptions } from './pds-store.js'
import { KeyedQueue } from './serial-queue.js'
import { SessionStore } from './sessions.js'
import { tempDir } from './testing.js'
import { registerWellKnown } from './well-known.js'

export const PDS_VERSION = '0.1.0'
/** A refresh token presented again within this many seconds of its rotation gets the same successor. */
export const DEFAULT_REFRESH_GRACE_SEC = 10

export type PdsLogger = (msg: string, fields?: Record<string, unknown>) => void

export interface CreatePdsOptions {
  /** Address to bind (default 127.0.0.1; 0.0.0.0 to serve other machines). */
  host?: string
  accessTokenTtlSec?: number
  refreshTokenTtlSec?: number
  /** See DEFAULT_REFRESH_GRACE_SEC; 0 makes every second use of a refresh token revoke its session. */
  refreshGraceSec?: number
  log?: PdsLogger
  /**
   * Background upkeep (event-log retention, blob GC, expired tokens): on by default, off with
   * false; an object sets its intervals (errors go to `log` unless it names onError).
   */
  maintenance?: boolean | MaintenanceOptions
  /** Store tuning that is not an operator setting (block cache, temporary-blob TTL). */
  store?: PdsStoreOptions
  /** Replaces the DID and handle resolver (tests). */
  resolver?: IdentityResolver
  /** Passed to the XRPC server (timeouts, limits). */
  xrpc?: Omit<XrpcServerOptions, 'lexicons' | 'logger' | 'version'>
}

export interface Pds {
  /** Where this process listens (the configured public URL may differ behind a proxy). */
  url: string
  port: number
  ctx: PdsContext
  xrpc: XrpcServer
  close(): Promise<void>
}

/** Maps the store's typed errors to XRPC answers for every method registered on it. */
class PdsXrpcServer extends XrpcServer {
  override method<A = unknown>(nsid: string, handler: Handler<A>, opts: MethodOptions<A> = {}): this {
    return super.method<A>(nsid, (c) => mapPdsErrors(() => handler(c)), opts)
  }
}

const defaultLog: PdsLogger = (msg, fields) =>
  console.error(`[pds] ${msg}${fields ? ` ${JSON.stringify(fields)}` : ''}`)

/** Errors as their stack, so a logger that prints JSON shows them. */
function printable(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(fields)) out[k] = v instanceof Error ? (v.stack ?? v.message) : v
  return out
}

function resolverFor(config: PdsConfig): IdentityResolver {
  const id = config.identity
  const cache = { staleTtlMs: id.cacheStaleTtlMs, maxTtlMs: id.cacheMaxTtlMs }
  const webPolicy = { allowLoopback: id.allowLoopback }
  return new IdentityResolver({
    did: { plcUrl: id.plcUrl, timeoutMs: id.resolverTimeoutMs, webPolicy, cache },
    handle: {
      timeoutMs: id.resolverTimeoutMs,
      webPolicy,
      dnsServers: id.handleBackupNameservers.length > 0 ? id.handleBackupNameservers : undefined,
      cache,
    },
  })
}

/** With port 0 on a loopback name the public URL can only be known once listening. */
function withListenPort(config: PdsConfig, port: number): PdsConfig {
  if (config.service.port !== 0 || !config.service.publicUrl.startsWith('http://')) return config
  const publicUrl = `http://${config.service.hostname}:${port}`
  return { ...config, service: { ...config.service, port, publicUrl } }
}

/** Opens the store in `config.storage.dataDirectory` and serves the PDS on `config.service.port`. */
export async function createPds(config: PdsConfig, opts: CreatePdsOptions = {}): Promise<Pds> {
  const log = opts.log ?? defaultLog
  const store = await PdsStore.open(config, {
    onDbError: (message) => log('WAL checkpoint failed', { error: message }),
    ...opts.store,
  })
  for (const w of store.secrets.warnings) log(w)
  if (store.secrets.generated.length > 0) {
    log(`generated ${store.secrets.generated.join(', ')} into ${store.secrets.path}`)
  }
  const logger: XrpcLogger = {
    error: (message, details) => log(message, details && printable(details)),
    warn: (message, details) => log(message, details && printable(details)),
  }
  const xrpc = new PdsXrpcServer({
    ...opts.xrpc,
    maxBlobBytes: opts.xrpc?.maxBlobBytes ?? config.service.blobUploadLimit,
    cors: opts.xrpc?.cors ?? true,
    lexicons: officialLexicons(),
    logger,
    version: config.service.version ?? PDS_VERSION,
  })
  let listening: { url: string; port: number }
  try {
    listening = await xrpc.listen(config.service.port, opts.host ?? '127.0.0.1')
  } catch (err) {
    await store.close()
    throw err
  }
  // Registration runs in this same turn, before any connection can be served.
  const cfg = withListenPort(config, listening.port)
  const statuses = accountStatusCache(store)
  const ctx: PdsContext = {
    store,
    config: cfg,
    lexicons: officialLexicons(),
    auth: createVerifiers({
      jwtSecret: store.secrets.jwtSecret,
      adminPassword: store.secrets.adminPassword,
      serviceDid: cfg.service.did,
      accountStatus: statuses.get,
    }),
    accountStatus: statuses.get,
    log,
    services: {
      plc: new PlcClient(cfg.identity.plcUrl),
      resolver: opts.resolver ?? resolverFor(cfg),
      sessions: new SessionStore(store.db, {
        reuseGraceSec: opts.refreshGraceSec ?? DEFAULT_REFRESH_GRACE_SEC,
      }),
      accessTokenTtlSec: opts.accessTokenTtlSec ?? ACCESS_TOKEN_TTL_SEC,
      refreshTokenTtlSec: opts.refreshTokenTtlSec ?? REFRESH_TOKEN_TTL_SEC,
      emailTokens: new EmailTokens(store.secrets.jwtSecret),
      identityQueue: new KeyedQueue(),
    },
  }
  let sync: { close(): Promise<void> } | undefined
  try {
    registerWellKnown(xrpc, ctx)
    registerServerApi(xrpc, ctx)
    registerIdentityApi(xrpc, ctx)
    registerAdminApi(xrpc, ctx)
    registerRepoApi(xrpc, ctx)
    sync = registerSyncApi(xrpc, ctx)
  } catch (err) {
    await xrpc.close()
    statuses.close()
    await store.close()
    throw err
  }
  if (opts.maintenance !== false) {
    store.startMaintenance({
      onError: (err) => log('maintenance failed', printable({ err })),
      ...(opts.maintenance === true ? {} : opts.maintenance),
    })
  }
  let closing: Promise<void> | undefined
  return {
    url: listening.url,
    port: listening.port,
    ctx,
    xrpc,
    close() {
      closing ??= (async () => {
        await xrpc.close()
        await sync?.close()
        statuses.close()
        await store.close()
      })()
      return closing
    },
  }
}

export interface TestPds extends Pds {
  dataDirectory: string
  /** Closes the server and removes its temporary data directory (unless one was given). */
  cleanup(): Promise<void>
}

/**
 * A PDS for tests and tools: dev mode, port 0 on loopback, a fresh temporary data directory
 * unless `env.dataDirectory` names one, DIDs registered at `env.didPlcUrl`.
 */
export async function startPds(env: Partial<PdsEnv> = {}, opts: CreatePdsOptions = {}): Promise<TestPds> {
  const tmp = env.dataDirectory === undefined ? tempDir('welkin-pds-server-') : undefined
  const dataDirectory = env.dataDirectory ?? tmp!.path
  const config = resolvePdsConfig({ devMode: true, port: 0, hostname: 'localhost', ...env, dataDirectory })
  let pds: Pds
  try {
    pds = await createPds(config, { log: () => {}, maintenance: false, ...opts })
  } catch (err) {
    tmp?.remove()
    throw err
  }
  return {
    ...pds,
    dataDirectory,
    async cleanup() {
      await pds.close()
      tmp?.remove()
    },
  }
}

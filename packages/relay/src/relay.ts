// The relay as a running service: opens its state and log, builds the pipeline
//   hosts (crawler) → subscriptions → validator (per-DID order, verifier pool) → sequencer →
//   disk log → fan-out
// serves the XRPC API, the stream, /admin and /metrics on one port, and on close stops in the
// reverse order, flushing state last.
import { join } from 'node:path'
import { EventFanout } from '@welkin/firehose'
import { officialLexicons } from '@welkin/lexicon'
import { XrpcServer } from '@welkin/xrpc'
import { registerAdminRoutes } from './admin/index.js'
import { registerSyncApi } from './api/index.js'
import { ArchiveSync } from './archive/archive-hook.js'
import { ArchiveStore } from './archive/archive-store.js'
import { EVENTS_DIR, type RelayConfig, SQLITE_FILE } from './config.js'
import type { RelayContext } from './context.js'
import { openDatabase, type Sqlite } from './db/database.js'
import { DiskEventLog } from './event-log/disk-event-log.js'
import { HostManager } from './host/host-manager.js'
import type { HostPolicy } from './hostname.js'
import { type Identity, IdentityService } from './ingest/identity.js'
import { IngestProcessor } from './ingest/processor.js'
import { jsonLogger, LimitedLogger, type RelayLogger } from './logger.js'
import { MetricsRegistry, type RelayCounters, relayCounters } from './metrics.js'
import { Sequencer } from './output/sequencer.js'
import { StreamEndpoint } from './server/stream-endpoint.js'
import { CollectionIndex } from './state/collections.js'
import { HostStore } from './state/host-store.js'
import { StateStore } from './state/state-store.js'
import { Gate } from './util/token-bucket.js'
import { VerifierPool } from './verify/verifier-pool.js'

export const RELAY_VERSION = '0.1.0'

export interface CreateRelayOptions {
  logger?: RelayLogger
  /** Replaces DID resolution (benchmarks with pre-generated identities). */
  resolveIdentity?: (did: string) => Promise<Identity | null>
  /** Replaces the describeServer check of new hosts. */
  checkHost?: (hostname: string) => Promise<void>
  /** Reconnect backoff towards hosts (tests shorten it). */
  reconnect?: { minDelayMs?: number; maxDelayMs?: number }
  /** Events in flight across all hosts (default 4,000). */
  maxInFlight?: number
  /** Account tasks in flight per host (default 32). */
  hostConcurrency?: number
  /** How often upkeep (log retention, queued archive compaction) runs (default 60 s; tests shorten it). */
  upkeepIntervalMs?: number
  /** When the archive queues an account for compaction (default: half its blocks and 500 are garbage). */
  compaction?: { ratio?: number; minGarbage?: number }
}

export interface Relay {
  /** Where this process listens. */
  url: string
  port: number
  config: RelayConfig
  ctx: RelayContext
  metrics: MetricsRegistry
  counters: RelayCounters
  log: DiskEventLog
  fanout: EventFanout
  verifier: VerifierPool
  /** fsyncs the log, then commits account state and host cursors (what the relay does on its flush interval). */
  flush(): void
  /**
   * One upkeep pass, what the relay runs every `upkeepIntervalMs`: drops event-log segments
   * older than the replay window as of `now`, then compacts the archive's queued accounts.
   */
  upkeep(now?: number): Promise<{ segmentsDropped: number; blocksCompacted: number }>
  close(): Promise<void>
}

export async function createRelay(config: RelayConfig, opts: CreateRelayOptions = {}): Promise<Relay> {
  const logger = opts.logger ?? jsonLogger()
  const limited = new LimitedLogger(logger)
  const policy: HostPolicy = { allowLoopback: config.allowLoopback }
  const registry = new MetricsRegistry()
  const counters = relayCounters(registry)

  const db: Sqlite = openDatabase(join(config.dataDir, SQLITE_FILE))
  const log = DiskEventLog.open(join(config.dataDir, EVENTS_DIR), {
    segmentBytes: config.segmentBytes,
    segmentMaxAgeMs: config.segmentMaxAgeMs,
    retentionMs: config.replayWindowMs,
    logger,
  })
  const fanout = new EventFanout(log, {
    maxBufferFrames: config.subscriberBufferFrames,
    maxBufferBytes: 64 * 1024 * 1024,
  })
  const sequencer = new Sequencer(log, fanout, counters)
  const state = new StateStore(db, config.stateCacheSize)
  const collections = new CollectionIndex(db)
  const hostStore = new HostStore(db)
  const verifier = new VerifierPool({ workers: config.verifyWorkers })
  const archive = config.archive
    ? new ArchiveStore(join(config.dataDir, 'archive.sqlite'), {
        policy,
        maxRepoBytes: config.maxRepoBytes,
        compactRatio: opts.compaction?.ratio,
        compactMinGarbage: opts.compaction?.minGarbage,
        readErrors: registry.counter(
          'relay_archive_read_errors_total',
          'Archive reads that found a damaged shard (answered as RepoNotFound/BlockNotFound), by reason',
          ['reason'],
        ),
      })
    : undefined
  const identity = new IdentityService({
    plcUrl: config.plcUrl,
    policy,
    ttlMs: config.identityTtlMs,
    counters,
    resolve: opts.resolveIdentity,
  })
  let hosts: HostManager | undefined
  const processor = new IngestProcessor({
    state,
    collections,
    identity,
    verifier,
    sequencer,
    counters,
    moveAccount: (from, to) => hosts!.moveAccount(from, to),
    revClockSkewMs: config.revClockSkewMs,
    allowMissingPrevData: config.allowMissingPrevData,
    archive: archive ? new ArchiveSync(archive, logger) : undefined,
    logger: limited,
  })
  hosts = new HostManager({
    store: hostStore,
    policy,
    newHostLimits: config.newHostLimits,
    trustedHostLimits: config.trustedHostLimits,
    trustedHosts: config.trustedHosts,
    logger,
    accountCounts: state.countByHost(),
    checkHost: opts.checkHost,
    connection: {
      processor,
      counters,
      gate: new Gate(opts.maxInFlight ?? 4000),
      policy,
      maxFrameBytes: config.maxFrameBytes,
      logger: limited,
      concurrency: opts.hostConcurrency,
      reconnect: opts.reconnect,
    },
  })
  const ctx: RelayContext = {
    config,
    policy,
    state,
    collections,
    hosts,
    sequencer,
    archive,
    counters,
    logger,
  }

  // Durability order (see event-log/disk-event-log.ts): the log is synced first, then account
  // state, the collection index and host cursors are committed as they were when the sync
  // began, so nothing committed is ahead of what a restart can replay.
  interface Snapshot {
    rows: ReturnType<StateStore['takeDirtyRows']>
    pairs: [string, string][]
    moved: ReturnType<HostManager['movedCursors']>
  }
  const take = (): Snapshot => ({
    rows: state.takeDirtyRows(),
    pairs: collections.takePending(),
    moved: hosts!.movedCursors(),
  })
  const commit = (snaps: Snapshot[]): void => {
    db.transaction(() => {
      for (const s of snaps) {
        state.writeRows(s.rows)
        collections.writePairs(s.pairs)
        for (const { conn, cursor } of s.moved) hostStore.setCursor(conn.id, cursor)
      }
    })()
    for (const s of snaps) for (const { conn, cursor } of s.moved) conn.persistedCursor = cursor
  }
  // A background flush's snapshot, until it is committed (by it, or by a synchronous flush
  // that overtakes it: the older snapshot must never be written after a newer one).
  let waiting: Snapshot | undefined
  let flushing: Promise<void> | undefined
  const flush = (): void => {
    log.sync()
    const older = waiting
    waiting = undefined
    commit(older ? [older, take()] : [take()])
  }
  const flushInBackground = (): Promise<void> => {
    flushing ??= (async () => {
      const snap = take()
      waiting = snap
      await log.syncAsync()
      if (waiting === snap) {
        waiting = undefined
        commit([snap])
      }
    })().finally(() => {
      flushing = undefined
    })
    return flushing
  }
  registerGauges(registry, ctx, fanout, log, verifier)

  const xrpc = new XrpcServer({
    lexicons: officialLexicons(),
    cors: true,
    version: RELAY_VERSION,
    logger: {
      error: (message, details) => logger.log('error', message, details),
      warn: (message, details) => logger.log('warn', message, details),
    },
  })
  registerSyncApi(xrpc, ctx)
  registerAdminRoutes(xrpc, ctx)
  xrpc.route('GET', '/metrics', () => ({
    encoding: 'text/plain; version=0.0.4',
    body: Buffer.from(registry.render()),
  }))
  const stream = new StreamEndpoint(xrpc.server, fanout, { maxSubscribers: config.maxSubscribers })
  registry.gauge('relay_subscribers', 'Open subscribeRepos connections', () => stream.subscribers)

  let listening: { url: string; port: number }
  try {
    listening = await xrpc.listen(config.port, config.bindHost)
  } catch (err) {
    await verifier.close()
    log.close()
    db.close()
    archive?.close()
    throw err
  }

  hosts.start()
  for (const h of config.seedHosts) {
    hosts
      .requestCrawl(h, { check: false })
      .catch((err) => logger.log('warn', 'cannot crawl a seed host', { host: h, err }))
  }
  if (config.importHostsFrom) {
    hosts
      .importFrom(config.importHostsFrom)
      .then((r) => logger.log('info', 'imported hosts', { from: config.importHostsFrom, ...r }))
      .catch((err) => logger.log('warn', 'host import failed', { from: config.importHostsFrom, err }))
  }
  const flushTimer = setInterval(() => {
    if (flushing) return
    flushInBackground().catch((err) => logger.log('error', 'flush failed', { err }))
  }, config.flushIntervalMs)
  flushTimer.unref()
  const upkeep = async (now = Date.now()) => {
    const segmentsDropped = log.prune(now)
    if (segmentsDropped > 0)
      logger.log('info', 'event log: dropped old segments', {
        dropped: segmentsDropped,
        prunedThrough: log.prunedThrough(),
      })
    const blocksCompacted = (await archive?.compactQueued()) ?? 0
    return { segmentsDropped, blocksCompacted }
  }
  // The timer's pass in progress: never two at once, and close() waits for it (a compaction
  // must not find the archive closed under it).
  let upkeeping: Promise<void> | undefined
  const upkeepTimer = setInterval(() => {
    upkeeping ??= upkeep()
      .then(
        () => {},
        (err) => logger.log('error', 'upkeep failed', { err }),
      )
      .finally(() => {
        upkeeping = undefined
      })
  }, opts.upkeepIntervalMs ?? 60_000)
  upkeepTimer.unref()
  logger.log('info', 'relay listening', { url: listening.url, dataDir: config.dataDir, head: sequencer.head })

  let closing: Promise<void> | undefined
  return {
    url: listening.url,
    port: listening.port,
    config,
    ctx,
    metrics: registry,
    counters,
    log,
    fanout,
    verifier,
    flush,
    upkeep,
    close() {
      closing ??= (async () => {
        clearInterval(flushTimer)
        clearInterval(upkeepTimer)
        // Upstream first, letting accepted events finish, so the last flush covers them all.
        await hosts!.stopAll()
        await flushing?.catch(() => {})
        await upkeeping
        flush()
        fanout.close()
        stream.close()
        await xrpc.close()
        sequencer.close()
        log.close()
        await verifier.close()
        db.close()
        archive?.close()
      })()
      return closing
    },
  }
}

function registerGauges(
  registry: MetricsRegistry,
  ctx: RelayContext,
  fanout: EventFanout,
  log: DiskEventLog,
  verifier: VerifierPool,
): void {
  registry.gauge('relay_seq', 'Last seq the relay sequenced', () => ctx.sequencer.head)
  registry.gauge(
    'relay_host_cursor',
    'Upstream seq processed, per host',
    () => ctx.hosts.list().map((h) => [[h.hostname], h.cursor ?? 0] as [string[], number]),
    ['host'],
  )
  registry.gauge(
    'relay_host_lag_seconds',
    "How far behind the host's event time its last event was read",
    () =>
      ctx.hosts
        .list()
        .filter((h) => h.lastEventAt > 0)
        .map((h) => [[h.hostname], h.lagMs / 1000] as [string[], number]),
    ['host'],
  )
  registry.gauge(
    'relay_host_idle_seconds',
    'Seconds since the host last sent an event',
    () =>
      ctx.hosts
        .list()
        .filter((h) => h.lastEventAt > 0)
        .map((h) => [[h.hostname], (Date.now() - h.lastEventAt) / 1000] as [string[], number]),
    ['host'],
  )
  registry.gauge(
    'relay_host_queue_depth',
    'Events accepted from the host and not yet finished',
    () => ctx.hosts.list().map((h) => [[h.hostname], h.queued] as [string[], number]),
    ['host'],
  )
  registry.gauge(
    'relay_hosts',
    'Hosts by status',
    () => {
      const counts = new Map<string, number>()
      for (const h of ctx.hosts.list()) counts.set(h.status, (counts.get(h.status) ?? 0) + 1)
      return [...counts].map(([s, n]) => [[s], n] as [string[], number])
    },
    ['status'],
  )
  registry.gauge('relay_verify_queue_depth', 'Commits waiting for or in verification', () => {
    const d = verifier.depth
    return d.queued + d.inFlight
  })
  registry.gauge(
    'relay_subscriber_max_queued_frames',
    'Deepest subscriber queue',
    () => fanout.stats.maxQueuedFrames,
  )
  registry.gauge('relay_event_log_bytes', 'Bytes in the event log', () => log.stats.bytes)
  registry.gauge('relay_state_cache_entries', 'Accounts cached in memory', () => ctx.state.cacheSize)
}

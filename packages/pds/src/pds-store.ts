// Everything the PDS keeps, opened from a PdsConfig and wired together: the context the XRPC
// handlers are given. Background maintenance (event-log retention, blob GC, expired refresh
// tokens) runs on unref'd timers once `startMaintenance` is called.
import { AccountManager } from './account-manager.js'
import { BlobService } from './blobs.js'
import { DiskBlobStore } from './blobstore.js'
import { BlockCache } from './block-cache.js'
import type { PdsConfig } from './config.js'
import { PdsDatabase } from './db/database.js'
import { SqliteEventLog } from './event-log.js'
import { RepoReader } from './repo-reader.js'
import { RepoWriter } from './repo-writer.js'
import { loadOrCreateSecrets, type PdsSecrets } from './secrets.js'
import { Sequencer } from './sequencer.js'
import { SessionStore } from './sessions.js'

export interface MaintenanceOptions {
  /** How often to prune the event log and expired tokens (default 1 minute). */
  intervalMs?: number
  /** How often to collect blobs (default 1 hour). */
  blobGcIntervalMs?: number
  onError?: (err: unknown) => void
}

/** What PdsStore.open takes besides the config: tuning that is not an operator setting. */
export interface PdsStoreOptions {
  /** Bytes of decoded repo blocks kept in memory (BlockCache's default when absent). */
  cacheBytes?: number
  /**
   * How long an upload no record references is kept before the collector removes it (default
   * DEFAULT_TEMP_TTL_MS, the hour blob.md sets as a firm lower bound; shorter only in tests).
   */
  tempTtlMs?: number
  /**
   * Told when the background WAL checkpointer fails. Without checkpoints the WAL only grows, so
   * an operator must hear of it; createPds passes its log.
   */
  onDbError?: (message: string) => void
}

export class PdsStore {
  #timers: NodeJS.Timeout[] = []
  /** Maintenance rounds in flight, so close() can wait for them before closing the database. */
  readonly #running = new Set<Promise<void>>()

  private constructor(
    readonly config: PdsConfig,
    readonly secrets: PdsSecrets,
    readonly db: PdsDatabase,
    readonly sequencer: Sequencer,
    readonly blobs: BlobService,
    readonly writer: RepoWriter,
    readonly reader: RepoReader,
    readonly sessions: SessionStore,
    readonly accounts: AccountManager,
    readonly events: SqliteEventLog,
  ) {}

  /**
   * Opens (creating on first run) the data directory: secrets, database, blob store. One
   * process per data directory: the per-DID write queue and the seq counter live in memory.
   */
  static async open(config: PdsConfig, opts: PdsStoreOptions = {}): Promise<PdsStore> {
    const secrets = loadOrCreateSecrets(config.storage.dataDirectory, config.secrets)
    const db = PdsDatabase.open(config.storage.dbPath, {
      synchronous: config.storage.synchronous,
      checkpoints: config.storage.disableWalAutoCheckpoint ? 'off' : 'background',
      checkpointer: { onError: opts.onDbError },
    })
    try {
      const sequencer = new Sequencer(db)
      const disk = new DiskBlobStore(config.storage.blobstoreLocation, config.storage.blobstoreTmpLocation)
      const blobs = new BlobService(db, disk, {
        uploadLimit: config.service.blobUploadLimit,
        tempTtlMs: opts.tempTtlMs,
      })
      await blobs.finishPendingMoves()
      const writer = new RepoWriter({ db, sequencer, blobs, cache: new BlockCache(opts.cacheBytes) })
      const sessions = new SessionStore(db)
      const accounts = new AccountManager({
        db,
        writer,
        sessions,
        blobs,
        inviteRequired: config.invites.required,
      })
      const events = new SqliteEventLog(db, config.subscription.backfillLimitMs)
      return new PdsStore(
        config,
        secrets,
        db,
        sequencer,
        blobs,
        writer,
        new RepoReader(db),
        sessions,
        accounts,
        events,
      )
    } catch (err) {
      await db.shutdown()
      throw err
    }
  }

  /** One round of upkeep; what the maintenance timers run. */
  async maintain(what: { blobs?: boolean } = {}): Promise<void> {
    this.events.prune()
    this.sessions.pruneExpired()
    if (what.blobs) await this.blobs.gc()
  }

  /**
   * Starts the upkeep timers (unref'd: they never keep the process alive). A round still running
   * when its timer fires again is not doubled up.
   */
  startMaintenance(opts: MaintenanceOptions = {}): void {
    const onError = opts.onError ?? (() => {})
    const every = (ms: number, fn: () => Promise<void>) => {
      let round: Promise<void> | null = null
      const t = setInterval(() => {
        if (round !== null) return
        const r = fn()
          .catch(onError)
          .finally(() => {
            round = null
            this.#running.delete(r)
          })
        round = r
        this.#running.add(r)
      }, ms)
      t.unref()
      this.#timers.push(t)
    }
    every(opts.intervalMs ?? 60_000, () => this.maintain())
    every(opts.blobGcIntervalMs ?? 3600_000, () => this.maintain({ blobs: true }))
  }

  /** Whether the maintenance timers are running (startMaintenance called, close not yet). */
  get maintaining(): boolean {
    return this.#timers.length > 0
  }

  /** Stops maintenance (waiting for a round in flight), waits for writes, closes the database. */
  async close(): Promise<void> {
    for (const t of this.#timers) clearInterval(t)
    this.#timers = []
    await Promise.all(this.#running)
    await this.writer.queue.drain()
    this.writer.nodeGc.stop()
    await this.db.shutdown()
  }
}

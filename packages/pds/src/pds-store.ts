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

export class PdsStore {
  #timers: NodeJS.Timeout[] = []

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
  static async open(config: PdsConfig, opts: { cacheBytes?: number } = {}): Promise<PdsStore> {
    const secrets = loadOrCreateSecrets(config.storage.dataDirectory, config.secrets)
    const db = PdsDatabase.open(config.storage.dbPath, {
      synchronous: config.storage.synchronous,
      checkpoints: config.storage.disableWalAutoCheckpoint ? 'off' : 'background',
    })
    try {
      const sequencer = new Sequencer(db)
      const disk = new DiskBlobStore(config.storage.blobstoreLocation, config.storage.blobstoreTmpLocation)
      const blobs = new BlobService(db, disk, { uploadLimit: config.service.blobUploadLimit })
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

  startMaintenance(opts: MaintenanceOptions = {}): void {
    const onError = opts.onError ?? (() => {})
    const every = (ms: number, fn: () => Promise<void>) => {
      const t = setInterval(() => fn().catch(onError), ms)
      t.unref()
      this.#timers.push(t)
    }
    every(opts.intervalMs ?? 60_000, () => this.maintain())
    every(opts.blobGcIntervalMs ?? 3600_000, () => this.maintain({ blobs: true }))
  }

  /** Waits for in-flight writes, stops maintenance, closes the database. */
  async close(): Promise<void> {
    for (const t of this.#timers) clearInterval(t)
    this.#timers = []
    await this.writer.queue.drain()
    this.writer.nodeGc.stop()
    await this.db.shutdown()
  }
}

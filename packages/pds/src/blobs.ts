// Blob lifecycle (blob.md "Blob Lifecycle"): uploads land as temporary blobs, a record write
// makes them permanent (commit-tx.ts, then `afterCommit` moves the file), the last record
// referencing a blob takes it away, and a collector removes what nobody claimed.

import type { ReadStream } from 'node:fs'
import { type BlobRef, blobRef, CID } from '@welkin/data'
import type { BlobSource, DiskBlobStore } from './blobstore.js'
import type { PdsDatabase } from './db/database.js'
import { BlobNotFoundError } from './errors.js'
import { chooseMime } from './mime.js'

/** blob.md: "at least one hour a firm lower bound" before collecting an unreferenced upload. */
export const DEFAULT_TEMP_TTL_MS = 3600_000

export interface BlobServiceOptions {
  uploadLimit: number
  tempTtlMs?: number
  now?: () => number
}

export interface BlobFileChanges {
  promoted: { cid: string; tempKey: string }[]
  released: { cid: string; tempKey: string | null }[]
}

export interface GcReport {
  expiredUploads: number
  strayTempFiles: number
  unreferencedBlobs: number
  orphanFiles: number
}

interface BlobRow {
  mime_type: string
  size: number
  permanent: number
  temp_key: string | null
  takedown_ref: string | null
}

export class BlobService {
  readonly uploadLimit: number
  readonly tempTtlMs: number
  readonly #now: () => number

  constructor(
    readonly db: PdsDatabase,
    readonly store: DiskBlobStore,
    opts: BlobServiceOptions,
  ) {
    this.uploadLimit = opts.uploadLimit
    this.tempTtlMs = opts.tempTtlMs ?? DEFAULT_TEMP_TTL_MS
    this.#now = opts.now ?? Date.now
  }

  /**
   * Stores an upload as a temporary blob of `did` and returns the reference a record puts in
   * its body. Uploading bytes the account already has changes nothing (blob.md).
   */
  async upload(
    did: string,
    source: BlobSource,
    opts: { mimeType?: string; signal?: AbortSignal } = {},
  ): Promise<BlobRef> {
    const tmp = await this.store.putTemp(source, { maxBytes: this.uploadLimit, signal: opts.signal })
    const cid = tmp.cid.toString()
    const mime = chooseMime(tmp.sniffedMime, opts.mimeType)
    const existing = this.db.transact((db) => {
      const row = db
        .prepare('SELECT mime_type, permanent FROM blob WHERE did = ? AND cid = ?')
        .get(did, cid) as Pick<BlobRow, 'mime_type' | 'permanent'> | undefined
      if (row) {
        // Re-uploaded before use: restart its grace period.
        if (row.permanent === 0)
          db.prepare('UPDATE blob SET created_at = ? WHERE did = ? AND cid = ?').run(this.#now(), did, cid)
        return row
      }
      db.prepare(
        'INSERT INTO blob (did, cid, mime_type, size, temp_key, permanent, created_at) VALUES (?, ?, ?, ?, ?, 0, ?)',
      ).run(did, cid, mime, tmp.size, tmp.key, this.#now())
      return undefined
    })
    if (existing) {
      this.store.deleteTempSync(tmp.key)
      return blobRef(tmp.cid, existing.mime_type, tmp.size)
    }
    return blobRef(tmp.cid, mime, tmp.size)
  }

  /** A permanent, available blob: its type, size and bytes. Temporary and taken-down blobs are not served. */
  async get(did: string, cid: CID | string): Promise<{ mimeType: string; size: number; stream: ReadStream }> {
    const c = String(cid)
    const row = this.db
      .prepare(
        'SELECT mime_type, size, permanent, temp_key, takedown_ref FROM blob WHERE did = ? AND cid = ?',
      )
      .get(did, c) as BlobRow | undefined
    if (!row || row.permanent === 0 || row.takedown_ref !== null) throw new BlobNotFoundError(did, c)
    if (row.temp_key !== null) {
      // The commit that made it permanent finished, its file move did not (yet): finish it now.
      await this.#finishMove(did, c, row.temp_key)
    }
    const file = await this.store.open(did, c)
    return { mimeType: row.mime_type, size: file.size, stream: file.stream }
  }

  /** CIDs of the account's permanent blobs in CID order; with `since`, only those of records written after that rev. */
  list(did: string, opts: { since?: string; cursor?: string; limit?: number } = {}): string[] {
    const limit = Math.max(1, Math.min(opts.limit ?? 500, 1000))
    const cursor = opts.cursor ?? ''
    if (opts.since !== undefined) {
      const rows = this.db
        .prepare(
          `SELECT DISTINCT rb.blob_cid AS cid FROM record_blob rb
           JOIN record r ON r.did = rb.did AND r.collection = rb.collection AND r.rkey = rb.rkey
           WHERE rb.did = ? AND r.rev > ? AND rb.blob_cid > ? ORDER BY rb.blob_cid LIMIT ?`,
        )
        .all(did, opts.since, cursor, limit) as { cid: string }[]
      return rows.map((r) => r.cid)
    }
    const rows = this.db
      .prepare('SELECT cid FROM blob WHERE did = ? AND permanent = 1 AND cid > ? ORDER BY cid LIMIT ?')
      .all(did, cursor, limit) as { cid: string }[]
    return rows.map((r) => r.cid)
  }

  /** Moves newly permanent files into place and deletes released ones, after their commit. */
  async afterCommit(did: string, changes: BlobFileChanges): Promise<void> {
    for (const p of changes.promoted) await this.#finishMove(did, p.cid, p.tempKey)
    for (const r of changes.released) {
      this.store.deletePermanentSync(did, r.cid)
      if (r.tempKey !== null) this.store.deleteTempSync(r.tempKey)
    }
  }

  async #finishMove(did: string, cid: string, tempKey: string): Promise<void> {
    await this.store.makePermanent(did, cid, tempKey)
    this.db
      .prepare('UPDATE blob SET temp_key = NULL WHERE did = ? AND cid = ? AND permanent = 1 AND temp_key = ?')
      .run(did, cid, tempKey)
  }

  /** Completes file moves a crash interrupted (run at startup). */
  async finishPendingMoves(): Promise<number> {
    const rows = this.db
      .prepare('SELECT did, cid, temp_key FROM blob WHERE permanent = 1 AND temp_key IS NOT NULL')
      .all() as { did: string; cid: string; temp_key: string }[]
    for (const r of rows) await this.#finishMove(r.did, r.cid, r.temp_key)
    return rows.length
  }

  /**
   * Collects garbage: uploads never referenced within the grace period, stray temporary files,
   * permanent blobs no record references, and blob files the database does not know. Every
   * "is it still unreferenced?" check is made in the same synchronous step as its unlink, so a
   * concurrent write cannot claim a blob between the check and the deletion.
   */
  async gc(): Promise<GcReport> {
    const cutoff = this.#now() - this.tempTtlMs
    const expired = this.db.transact((db) =>
      db.prepare('DELETE FROM blob WHERE permanent = 0 AND created_at < ? RETURNING temp_key').all(cutoff),
    ) as { temp_key: string | null }[]
    for (const r of expired) if (r.temp_key !== null) this.store.deleteTempSync(r.temp_key)

    const known = new Set(
      (
        this.db.prepare('SELECT temp_key FROM blob WHERE temp_key IS NOT NULL').all() as {
          temp_key: string
        }[]
      ).map((r) => r.temp_key),
    )
    let strayTempFiles = 0
    for (const f of this.store.listTemp()) {
      if (f.mtimeMs >= cutoff || known.has(f.key)) continue
      this.store.deleteTempSync(f.key)
      strayTempFiles++
    }

    const unreferenced = this.db.transact((db) =>
      db
        .prepare(
          `DELETE FROM blob WHERE permanent = 1 AND NOT EXISTS
             (SELECT 1 FROM record_blob rb WHERE rb.did = blob.did AND rb.blob_cid = blob.cid)
           RETURNING did, cid, temp_key`,
        )
        .all(),
    ) as { did: string; cid: string; temp_key: string | null }[]
    for (const r of unreferenced) {
      this.store.deletePermanentSync(r.did, r.cid)
      if (r.temp_key !== null) this.store.deleteTempSync(r.temp_key)
    }

    let orphanFiles = 0
    const lookup = this.db.prepare('SELECT 1 FROM blob WHERE did = ? AND cid = ?')
    for await (const f of this.store.listPermanent()) {
      // The lookup and the unlink below run with no await between them.
      if (lookup.get(f.did, f.cid) !== undefined) continue
      try {
        CID.parse(f.cid)
      } catch {
        continue // not a blob file of ours: leave it alone
      }
      this.store.deletePermanentSync(f.did, f.cid)
      orphanFiles++
    }
    return {
      expiredUploads: expired.length,
      strayTempFiles,
      unreferencedBlobs: unreferenced.length,
      orphanFiles,
    }
  }
}

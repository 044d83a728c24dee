// Account hosting status changes, each committed together with the `#account` event announcing
// it (account-lifecycle.md "Account Deactivation", "Account Deletion", "Account Reactivation";
// account.md), and `#sync` for a repo whose state downstream may have lost track of: after every
// (re)activation, as the official PDS does, so a consumer that dropped the account's commits
// while it was inactive re-anchors on the current signed commit (sync.md "#sync Events").
import { CID, encodeCar } from '@welkin/data'
import type { BlobService } from './blobs.js'
import type { PdsDatabase } from './db/database.js'
import { AccountNotFoundError, PdsError, RepoNotFoundError } from './errors.js'
import { type AccountStatus, accountBody, syncBody } from './events.js'
import type { AppliedCommit, RepoWriter } from './repo-writer.js'

export type StatusChange =
  | { status: 'deactivated'; deleteAfter?: string }
  | { status: 'active' }
  | { status: 'takendown'; ref: string }
  | { status: 'suspended'; ref: string }

function currentStatus(db: PdsDatabase, did: string): string {
  const row = db.prepare('SELECT status FROM account WHERE did = ?').get(did) as
    | { status: string }
    | undefined
  if (!row) throw new AccountNotFoundError(did)
  return row.status
}

/**
 * Sets the hosting status and appends the `#account` event describing the new state. Going
 * back to active also makes an empty commit (a fresh rev, signed with the current key), as the
 * guide recommends after reactivation or migration, unless `emptyCommit` is false; then a
 * `#sync` carrying the current commit. Order: `#account`, `#commit`, `#sync`.
 */
export async function changeAccountStatus(
  writer: RepoWriter,
  did: string,
  change: StatusChange,
  opts: { emptyCommit?: boolean } = {},
): Promise<AppliedCommit | null> {
  const seq = writer.sequencer
  const changed = await writer.exclusive(did, () =>
    seq.transact((db) => {
      const before = currentStatus(db, did)
      const now = new Date().toISOString()
      if (change.status === 'active') {
        db.prepare(
          `UPDATE account SET status = 'active', deactivated_at = NULL, delete_after = NULL, takedown_ref = NULL WHERE did = ?`,
        ).run(did)
      } else if (change.status === 'deactivated') {
        db.prepare(
          `UPDATE account SET status = 'deactivated', deactivated_at = ?, delete_after = ? WHERE did = ?`,
        ).run(now, change.deleteAfter ?? null, did)
      } else {
        db.prepare('UPDATE account SET status = ?, takedown_ref = ? WHERE did = ?').run(
          change.status,
          change.ref,
          did,
        )
      }
      const active = change.status === 'active'
      seq.append(
        did,
        '#account',
        accountBody({ did, active, status: active ? undefined : (change.status as AccountStatus) }),
        now,
      )
      return before !== change.status
    }),
  )
  if (change.status !== 'active') return null
  const hasRepo = writer.db.prepare('SELECT 1 FROM repo_root WHERE did = ?').get(did) !== undefined
  const commit = changed && opts.emptyCommit !== false && hasRepo ? await writer.applyWrites(did, []) : null
  await announceSync(writer, did)
  return commit
}

/**
 * Deletes the account and everything hosted for it, and appends `#account` with status
 * `deleted`, in one transaction; blob files go afterwards. The DID itself (at the PLC
 * directory) is the caller's business.
 */
export async function deleteAccount(
  writer: RepoWriter,
  blobs: BlobService | undefined,
  did: string,
): Promise<void> {
  const seq = writer.sequencer
  const tempKeys = await writer.exclusive(did, () => {
    const keys = seq.transact((db) => {
      currentStatus(db, did)
      const temp = db
        .prepare('SELECT temp_key FROM blob WHERE did = ? AND temp_key IS NOT NULL')
        .all(did) as {
        temp_key: string
      }[]
      for (const table of [
        'record_blob',
        'blob',
        'record',
        'repo_block',
        'repo_root',
        'refresh_token',
        'app_password',
      ]) {
        db.prepare(`DELETE FROM ${table} WHERE did = ?`).run(did)
      }
      db.prepare('DELETE FROM account WHERE did = ?').run(did)
      seq.append(did, '#account', accountBody({ did, active: false, status: 'deleted' }))
      return temp.map((t) => t.temp_key)
    })
    writer.forget(did)
    return keys
  })
  if (blobs) {
    for (const k of tempKeys) blobs.store.deleteTempSync(k)
    blobs.store.deleteAllSync(did)
  }
}

/**
 * Appends a `#sync` event carrying the current commit (sync.md "#sync Events"): `blocks` is a
 * CAR whose only root and block is the signed commit. Throws for an inactive account or one
 * without a repo (the lifecycle guide: no repo events while inactive).
 */
export function emitSync(writer: RepoWriter, did: string): Promise<number> {
  return appendSync(writer, did, true) as Promise<number>
}

/**
 * Like emitSync, but a no-op (null) when the account is gone, inactive or without a repo: for
 * the lifecycle paths, where a concurrent deactivation or deletion may have won the race.
 */
export function announceSync(writer: RepoWriter, did: string): Promise<number | null> {
  return appendSync(writer, did, false)
}

function appendSync(writer: RepoWriter, did: string, strict: boolean): Promise<number | null> {
  const seq = writer.sequencer
  return writer.exclusive(did, () =>
    seq.transact((db) => {
      if (!strict && !db.prepare('SELECT 1 FROM account WHERE did = ?').get(did)) return null
      const status = currentStatus(db, did)
      if (status !== 'active') {
        if (!strict) return null
        throw new PdsError(`account ${did} is ${status}: no #sync for an inactive repo`)
      }
      const root = db.prepare('SELECT cid, rev, commit_bytes FROM repo_root WHERE did = ?').get(did) as
        | { cid: Uint8Array; rev: string; commit_bytes: Uint8Array }
        | undefined
      if (!root) {
        if (!strict) return null
        throw new RepoNotFoundError(did)
      }
      const cid = CID.decode(root.cid)
      const car = encodeCar([cid], [{ cid, bytes: root.commit_bytes }])
      return seq.append(did, '#sync', syncBody({ did, rev: root.rev, blocks: car })).seq
    }),
  )
}

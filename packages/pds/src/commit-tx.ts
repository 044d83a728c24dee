// The storage half of a repo write: everything one commit changes, applied inside one SQLite
// transaction together with its `#commit` event (README "Transactions"). Synchronous, and only
// statements: the commit was computed and signed before the transaction began.
import type { CID } from '@welkin/data'
import type { CommitData } from '@welkin/repo'
import type { PdsDatabase } from './db/database.js'
import {
  AccountInactiveError,
  AccountNotFoundError,
  BlobNotFoundError,
  ConcurrentWriteError,
} from './errors.js'
import { commitBody } from './events.js'
import type { SequencedEvent, Sequencer } from './sequencer.js'

export interface CommitJob {
  did: string
  /** Root the commit was computed on: the write fails unless it is still the root. */
  prevRoot: CID | null
  commit: CommitData
  /** exportDiffCar(commit), computed outside the transaction. */
  carSlice: Uint8Array
  /** mstNodes(commit), when the caller has it already. */
  nodes?: { cid: CID; bytes: Uint8Array }[]
  /** Blob CIDs each create/update op references, by op path. */
  blobsByPath: ReadonlyMap<string, CID[]>
  time: string
}

export interface CommitOutcome {
  event: SequencedEvent
  /** Temporary blobs this commit made permanent: their files move after the commit. */
  promoted: { cid: string; tempKey: string }[]
  /** Blobs no record references any more: their files go after the commit. */
  released: { cid: string; tempKey: string | null }[]
}

/** Rows per INSERT of new MST nodes: one statement covers a commit's path, however deep. */
const MAX_NODES_PER_INSERT = 32
const putNodesSqls: string[] = []

function putNodesSql(rows: number): string {
  let sql = putNodesSqls[rows]
  if (sql === undefined) {
    sql = `INSERT INTO repo_block (did, cid, rev, bytes) VALUES ${Array(rows).fill('(?, ?, ?, ?)').join(', ')}
      ON CONFLICT (did, cid) DO UPDATE SET rev = excluded.rev`
    putNodesSqls[rows] = sql
  }
  return sql
}

/** The new MST nodes of a commit: its new blocks but the commit block and the records. */
export function mstNodes(commit: CommitData): { cid: CID; bytes: Uint8Array }[] {
  const records = new Set<string>()
  for (const op of commit.ops) if (op.cid) records.add(op.cid.key)
  const out: { cid: CID; bytes: Uint8Array }[] = []
  for (const block of commit.newBlocks) {
    if (block.cid.equals(commit.cid) || records.has(block.cid.key)) continue
    out.push(block)
  }
  return out
}

function splitPath(path: string): [string, string] {
  const i = path.indexOf('/')
  return [path.slice(0, i), path.slice(i + 1)]
}

/** Requires an active account; returns nothing, throws the reason otherwise. */
export function ensureActive(db: PdsDatabase, did: string): void {
  const row = db.prepare('SELECT status FROM account WHERE did = ?').get(did) as
    | { status: string }
    | undefined
  if (row === undefined) throw new AccountNotFoundError(did)
  if (row.status !== 'active') throw new AccountInactiveError(did, row.status)
}

/** Applies `job` and appends its event; must run inside `sequencer.transact`. */
export function applyCommitTx(db: PdsDatabase, sequencer: Sequencer, job: CommitJob): CommitOutcome {
  const { did, commit } = job
  const commitBytes = commit.newBlocks.get(commit.cid)!
  if (job.prevRoot === null) {
    ensureActive(db, did)
    db.prepare('INSERT INTO repo_root (did, cid, rev, commit_bytes, indexed_at) VALUES (?, ?, ?, ?, ?)').run(
      did,
      commit.cid.bytes,
      commit.rev,
      commitBytes,
      job.time,
    )
  } else {
    // The hot path checks the account and moves the root in one statement; only a refusal pays
    // for finding out why.
    const moved = db
      .prepare(
        `UPDATE repo_root SET cid = ?, rev = ?, commit_bytes = ?, indexed_at = ?
         WHERE did = ? AND cid = ? AND (SELECT status FROM account WHERE did = repo_root.did) = 'active'`,
      )
      .run(commit.cid.bytes, commit.rev, commitBytes, job.time, did, job.prevRoot.bytes)
    if (moved.changes !== 1) {
      ensureActive(db, did)
      throw new ConcurrentWriteError(`repo ${did} moved on from ${job.prevRoot} during a write`)
    }
  }
  // newBlocks holds the commit (stored above), the records (stored with their rows below) and
  // the new MST nodes. A node stored again after being dropped gets the new rev, so the pending
  // garbage entry from its drop no longer matches it.
  const nodes = job.nodes ?? mstNodes(commit)
  for (let i = 0; i < nodes.length; i += MAX_NODES_PER_INSERT) {
    const n = Math.min(MAX_NODES_PER_INSERT, nodes.length - i)
    const params: unknown[] = new Array(n * 4)
    for (let k = 0; k < n; k++) {
      const node = nodes[i + k]
      params[k * 4] = did
      params[k * 4 + 1] = node.cid.bytes
      params[k * 4 + 2] = commit.rev
      params[k * 4 + 3] = node.bytes
    }
    db.prepare(putNodesSql(n)).run(params)
  }
  if (commit.removedCids.length > 0) {
    db.prepare('INSERT INTO repo_block_gc (did, rev, cids) VALUES (?, ?, ?)').run(
      did,
      commit.rev,
      Buffer.concat(commit.removedCids.map((c) => c.bytes)),
    )
  }

  const promoted: CommitOutcome['promoted'] = []
  const unlinked = new Set<string>()
  for (const op of commit.ops) {
    const [collection, rkey] = splitPath(op.path)
    if (op.action !== 'create') {
      const links = db
        .prepare('SELECT blob_cid FROM record_blob WHERE did = ? AND collection = ? AND rkey = ?')
        .all(did, collection, rkey) as { blob_cid: string }[]
      if (links.length > 0) {
        db.prepare('DELETE FROM record_blob WHERE did = ? AND collection = ? AND rkey = ?').run(
          did,
          collection,
          rkey,
        )
        for (const l of links) unlinked.add(l.blob_cid)
      }
    }
    if (op.action === 'delete') {
      db.prepare('DELETE FROM record WHERE did = ? AND collection = ? AND rkey = ?').run(
        did,
        collection,
        rkey,
      )
      continue
    }
    db.prepare(
      `INSERT INTO record (did, collection, rkey, cid, bytes, rev, indexed_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (did, collection, rkey) DO UPDATE
       SET cid = excluded.cid, bytes = excluded.bytes, rev = excluded.rev, indexed_at = excluded.indexed_at`,
    ).run(did, collection, rkey, op.cid!.bytes, commit.newBlocks.get(op.cid!)!, commit.rev, job.time)
    for (const blob of job.blobsByPath.get(op.path) ?? []) {
      const cid = blob.toString()
      const row = db
        .prepare('SELECT permanent, temp_key FROM blob WHERE did = ? AND cid = ?')
        .get(did, cid) as { permanent: number; temp_key: string | null } | undefined
      if (row === undefined) throw new BlobNotFoundError(did, cid)
      if (row.permanent === 0) {
        db.prepare('UPDATE blob SET permanent = 1 WHERE did = ? AND cid = ?').run(did, cid)
        if (row.temp_key !== null) promoted.push({ cid, tempKey: row.temp_key })
      }
      db.prepare(
        'INSERT OR IGNORE INTO record_blob (did, blob_cid, collection, rkey) VALUES (?, ?, ?, ?)',
      ).run(did, cid, collection, rkey)
    }
  }
  const released: CommitOutcome['released'] = []
  for (const cid of unlinked) {
    if (
      db.prepare('SELECT 1 FROM record_blob WHERE did = ? AND blob_cid = ? LIMIT 1').get(did, cid) !==
      undefined
    ) {
      continue
    }
    const gone = db.prepare('DELETE FROM blob WHERE did = ? AND cid = ? RETURNING temp_key').get(did, cid) as
      | { temp_key: string | null }
      | undefined
    if (gone) released.push({ cid, tempKey: gone.temp_key })
  }
  const event = sequencer.append(
    did,
    '#commit',
    commitBody({
      repo: did,
      commit: commit.cid,
      rev: commit.rev,
      since: commit.since,
      blocks: job.carSlice,
      ops: commit.ops,
      prevData: commit.prevData,
    }),
    job.time,
  )
  return { event, promoted, released }
}

// The archive's SQLite index over the shard files (in the manner of indigo's carstore):
//   repos   one row per account: head commit, rev, tree root, its current shard file
//   shards  one row per CAR shard: file, offset, length and the rev range (since, rev] it covers
//   blocks  (did, cid) -> shard, offset and length of the block's bytes in that shard's file
//   files   files being written (pending) or waiting to be unlinked (dead), so a crash between
//           steps of a rewrite is finished or undone on the next open
// A commit's rows are written inside a transaction left open until the end of the event-loop
// turn: committing one transaction per commit cost more than everything else the archive does
// (each commit rewrites WAL pages), and the relay finishes many commits per turn. The shard
// bytes are always written before their rows, so the order a crash could break is kept. A
// rewrite commits that batch before its own transaction, so its unlinks follow a commit.
import type { CID } from '@welkin/data'
import { openDatabase, type Sqlite } from '../db/database.js'
import type { ShardEntry } from './car-shard.js'

const MIGRATIONS = [
  // v1: blocks kept in SQLite itself (before the CAR store).
  `CREATE TABLE blocks (did TEXT NOT NULL, cid BLOB NOT NULL, bytes BLOB NOT NULL, PRIMARY KEY (did, cid));
   CREATE TABLE repos (
     did TEXT PRIMARY KEY,
     head BLOB NOT NULL,
     rev TEXT NOT NULL,
     data BLOB NOT NULL,
     garbage INTEGER NOT NULL DEFAULT 0,
     blocks INTEGER NOT NULL DEFAULT 0
   ) WITHOUT ROWID;`,
  // v2: the CAR store. v1 archives are dropped: each account is backfilled again on its next
  // commit (the relay treats a missing archive like a broken chain).
  `DROP TABLE blocks;
   DROP TABLE repos;
   CREATE TABLE repos (
     did TEXT PRIMARY KEY,
     head BLOB NOT NULL,
     rev TEXT NOT NULL,
     data BLOB NOT NULL,
     file TEXT NOT NULL,
     garbage INTEGER NOT NULL DEFAULT 0,
     blocks INTEGER NOT NULL DEFAULT 0,
     damaged INTEGER NOT NULL DEFAULT 0
   ) WITHOUT ROWID;
   CREATE TABLE shards (
     id INTEGER PRIMARY KEY,
     did TEXT NOT NULL,
     file TEXT NOT NULL,
     off INTEGER NOT NULL,
     len INTEGER NOT NULL,
     since TEXT,
     rev TEXT NOT NULL
   );
   CREATE INDEX shards_did ON shards (did, rev);
   CREATE TABLE blocks (
     did TEXT NOT NULL,
     cid BLOB NOT NULL,
     shard INTEGER NOT NULL,
     off INTEGER NOT NULL,
     len INTEGER NOT NULL,
     PRIMARY KEY (did, cid)
   ) WITHOUT ROWID;
   CREATE TABLE files (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT, state TEXT NOT NULL);`,
]

export interface RepoRow {
  did: string
  head: Uint8Array
  rev: string
  data: Uint8Array
  file: string
  garbage: number
  blocks: number
  damaged: number
}

export interface ShardRow {
  id: number
  file: string
  off: number
  len: number
  since: string | null
  rev: string
}

export interface BlockLocation {
  file: string
  off: number
  len: number
}

/** What a new shard file replaces an account's archive with. */
export interface NewRepoFile {
  did: string
  file: string
  head: CID
  rev: string
  data: CID
  /** The shard's offset in the file is 0; entries are relative to it. */
  shardLen: number
  entries: ShardEntry[]
}

export class ArchiveIndex {
  readonly db: Sqlite
  private readonly q
  private batchOpen = false

  constructor(path: string) {
    this.db = openDatabase(path, { migrations: MIGRATIONS, cacheMiB: 32 })
    const p = (sql: string) => this.db.prepare(sql)
    this.q = {
      repo: p('SELECT * FROM repos WHERE did = ?'),
      block: p(
        'SELECT s.file AS file, b.off AS off, b.len AS len FROM blocks b JOIN shards s ON s.id = b.shard WHERE b.did = ? AND b.cid = ?',
      ),
      blockCount: p('SELECT count(*) AS n FROM blocks WHERE did = ?'),
      shardsAfter: p(
        'SELECT id, file, off, len, since, rev FROM shards WHERE did = ? AND rev > ? ORDER BY rev DESC, id DESC',
      ),
      shards: p('SELECT id, file, off, len, since, rev FROM shards WHERE did = ? ORDER BY rev, id'),
      insertShard: p('INSERT INTO shards (did, file, off, len, since, rev) VALUES (?, ?, ?, ?, ?, ?)'),
      insertBlock: p('INSERT OR IGNORE INTO blocks (did, cid, shard, off, len) VALUES (?, ?, ?, ?, ?)'),
      advance: p(
        'UPDATE repos SET head = ?, rev = ?, data = ?, garbage = garbage + ?, blocks = blocks + ? WHERE did = ?',
      ),
      upsertRepo: p(
        `INSERT INTO repos (did, head, rev, data, file, garbage, blocks, damaged) VALUES (?, ?, ?, ?, ?, 0, ?, 0)
         ON CONFLICT (did) DO UPDATE SET head = excluded.head, rev = excluded.rev, data = excluded.data,
           file = excluded.file, garbage = 0, blocks = excluded.blocks, damaged = 0`,
      ),
      damaged: p('UPDATE repos SET damaged = 1 WHERE did = ?'),
      filesOf: p('SELECT DISTINCT file FROM shards WHERE did = ?'),
      deleteShards: p('DELETE FROM shards WHERE did = ?'),
      deleteBlocks: p('DELETE FROM blocks WHERE did = ?'),
      deleteRepo: p('DELETE FROM repos WHERE did = ?'),
      newFile: p("INSERT INTO files (name, state) VALUES (NULL, 'pending')"),
      nameFile: p('UPDATE files SET name = ? WHERE id = ?'),
      deadFile: p("INSERT INTO files (name, state) VALUES (?, 'dead')"),
      dropFile: p('DELETE FROM files WHERE name = ?'),
      fileOps: p('SELECT name, state FROM files WHERE name IS NOT NULL'),
      clearNameless: p('DELETE FROM files WHERE name IS NULL'),
      fileInUse: p('SELECT 1 FROM shards WHERE file = ? LIMIT 1'),
    }
  }

  repo(did: string): RepoRow | undefined {
    return this.q.repo.get(did) as RepoRow | undefined
  }

  block(did: string, cid: CID): BlockLocation | undefined {
    return this.q.block.get(did, cid.bytes) as BlockLocation | undefined
  }

  blockCount(did: string): number {
    return (this.q.blockCount.get(did) as { n: number }).n
  }

  /** The account's shards covering revs after `since`, newest first. */
  shardsAfter(did: string, since: string): ShardRow[] {
    return this.q.shardsAfter.all(did, since) as ShardRow[]
  }

  shards(did: string): ShardRow[] {
    return this.q.shards.all(did) as ShardRow[]
  }

  /** Records a commit's shard, appended at `off` of the account's file; returns blocks added. */
  addShard(
    did: string,
    shard: { file: string; off: number; len: number; since: string | null; rev: string },
    entries: ShardEntry[],
    head: { commit: CID; data: CID; garbage: number },
  ): number {
    this.beginBatch()
    // A savepoint inside the batch: a failed statement undoes this commit's rows only.
    return this.db.transaction(() => {
      const id = Number(
        this.q.insertShard.run(did, shard.file, shard.off, shard.len, shard.since, shard.rev).lastInsertRowid,
      )
      let added = 0
      for (const e of entries)
        added += this.q.insertBlock.run(did, e.cid, id, shard.off + e.off, e.len).changes
      this.q.advance.run(head.commit.bytes, shard.rev, head.data.bytes, head.garbage, added, did)
      return added
    })()
  }

  /** Reserves a unique file name for a rewrite, recorded as pending until swapIn. */
  reserveFile(name: (id: number) => string): string {
    this.commitBatch()
    return this.db.transaction(() => {
      const id = Number(this.q.newFile.run().lastInsertRowid)
      const file = name(id)
      this.q.nameFile.run(file, id)
      return file
    })()
  }

  /**
   * Points the account at its new file, in one transaction: its old shards and blocks go, the
   * new shard and blocks come in, the pending mark is cleared and the old files are marked dead
   * (the caller unlinks them, then calls fileGone). Returns the old files.
   */
  swapIn(f: NewRepoFile): string[] {
    this.commitBatch()
    return this.db.transaction(() => {
      const old = (this.q.filesOf.all(f.did) as { file: string }[])
        .map((r) => r.file)
        .filter((n) => n !== f.file)
      this.q.deleteShards.run(f.did)
      this.q.deleteBlocks.run(f.did)
      const id = Number(this.q.insertShard.run(f.did, f.file, 0, f.shardLen, null, f.rev).lastInsertRowid)
      let blocks = 0
      for (const e of f.entries) blocks += this.q.insertBlock.run(f.did, e.cid, id, e.off, e.len).changes
      this.q.upsertRepo.run(f.did, f.head.bytes, f.rev, f.data.bytes, f.file, blocks)
      this.q.dropFile.run(f.file)
      for (const name of old) this.q.deadFile.run(name)
      return old
    })()
  }

  /** Forgets an account; returns its files, marked dead. */
  removeRepo(did: string): string[] {
    this.commitBatch()
    return this.db.transaction(() => {
      const old = (this.q.filesOf.all(did) as { file: string }[]).map((r) => r.file)
      this.q.deleteShards.run(did)
      this.q.deleteBlocks.run(did)
      this.q.deleteRepo.run(did)
      for (const name of old) this.q.deadFile.run(name)
      return old
    })()
  }

  markDamaged(did: string): void {
    this.q.damaged.run(did)
  }

  /** A pending or dead file is dealt with (unlinked, or kept because the index uses it). */
  fileGone(name: string): void {
    this.q.dropFile.run(name)
  }

  /** Files left pending or dead by a crash, and whether the index still uses each. */
  leftovers(): { name: string; state: 'pending' | 'dead'; inUse: boolean }[] {
    this.q.clearNameless.run()
    return (this.q.fileOps.all() as { name: string; state: 'pending' | 'dead' }[]).map((r) => ({
      ...r,
      inUse: this.q.fileInUse.get(r.name) !== undefined,
    }))
  }

  /** Commits the rows of the commits applied this turn. */
  commitBatch(): void {
    if (!this.batchOpen) return
    this.batchOpen = false
    this.db.exec('COMMIT')
  }

  close(): void {
    this.commitBatch()
    this.db.close()
  }

  private beginBatch(): void {
    if (this.batchOpen) return
    this.db.exec('BEGIN')
    this.batchOpen = true
    setImmediate(() => {
      if (this.db.open) this.commitBatch()
    })
  }
}

// Archival mode: the relay keeps every account's full repository, so it can serve getRepo,
// getRecord and getBlocks itself (sync.md: consumers should re-sync from their upstream,
// which may cache the repo). Blocks are stored per account in their own SQLite file, keyed by
// CID; a repo is exported as a CAR by walking it from its head commit. Each verified commit adds
// its slice; an account first seen, or whose chain broke, is backfilled with getRepo from its
// PDS (checked in full: hashes, structure, signature). Updates and deletes leave unreachable
// blocks behind; compaction walks the repo from its head and drops the rest.
import { type BlockMap, CID, readCar, readCarSync } from '@welkin/data'
import type { CommitMessage } from '@welkin/firehose'
import { safeFetch } from '@welkin/identity'
import { decodeCommit, type ReadableBlockstore, repoBlocks, verifyRepoCar } from '@welkin/repo'
import { openDatabase, type Sqlite } from '../db/database.js'
import { ArchiveError } from '../errors.js'
import { type HostPolicy, hostOrigin } from '../hostname.js'

const MIGRATIONS = [
  `CREATE TABLE blocks (did TEXT NOT NULL, cid BLOB NOT NULL, bytes BLOB NOT NULL, PRIMARY KEY (did, cid));
   CREATE TABLE repos (
     did TEXT PRIMARY KEY,
     head BLOB NOT NULL,
     rev TEXT NOT NULL,
     data BLOB NOT NULL,
     garbage INTEGER NOT NULL DEFAULT 0,
     blocks INTEGER NOT NULL DEFAULT 0
   ) WITHOUT ROWID;`,
]

export interface ArchivedRepo {
  did: string
  head: CID
  rev: string
  data: CID
  /** Blocks possibly unreachable since the last compaction (an estimate). */
  garbage: number
  blocks: number
}

interface RepoRow {
  did: string
  head: Uint8Array
  rev: string
  data: Uint8Array
  garbage: number
  blocks: number
}

export interface ArchiveOptions {
  policy: HostPolicy
  /** Largest repo CAR fetched in a backfill (default 512 MiB). */
  maxRepoBytes?: number
  /** Compact an account once garbage exceeds this share of its blocks (default 0.5)... */
  compactRatio?: number
  /** ...and this many blocks (default 500). */
  compactMinGarbage?: number
  timeoutMs?: number
}

export class ArchiveStore {
  readonly db: Sqlite
  private readonly getBlock
  private readonly getRepoRow
  private readonly insertBlock
  private readonly compactQueue = new Set<string>()

  constructor(
    path: string,
    private readonly opts: ArchiveOptions,
  ) {
    this.db = openDatabase(path, { migrations: MIGRATIONS, cacheMiB: 32 })
    this.getBlock = this.db.prepare('SELECT bytes FROM blocks WHERE did = ? AND cid = ?')
    this.getRepoRow = this.db.prepare('SELECT * FROM repos WHERE did = ?')
    this.insertBlock = this.db.prepare('INSERT OR IGNORE INTO blocks (did, cid, bytes) VALUES (?, ?, ?)')
  }

  repo(did: string): ArchivedRepo | undefined {
    const r = this.getRepoRow.get(did) as RepoRow | undefined
    if (!r) return undefined
    return {
      did,
      head: CID.decode(r.head),
      rev: r.rev,
      data: CID.decode(r.data),
      garbage: r.garbage,
      blocks: r.blocks,
    }
  }

  /** A read-only blockstore over one account's blocks. */
  blockstore(did: string): ReadableBlockstore {
    return {
      getBytes: (cid: CID) => {
        const row = this.getBlock.get(did, cid.bytes) as { bytes: Uint8Array } | undefined
        return row ? new Uint8Array(row.bytes) : null
      },
    }
  }

  /**
   * Adds a verified commit's slice when it continues the archived repo (its prevData is the
   * archived tree). Returns false when it does not: the caller backfills.
   */
  applyCommit(did: string, msg: CommitMessage): 'applied' | 'stale' | 'gap' {
    const cur = this.repo(did)
    if (cur && msg.rev <= cur.rev) return 'stale'
    if (!cur || !msg.prevData?.equals(cur.data)) return 'gap'
    const { blocks } = readCarSync(msg.blocks)
    const commitBytes = blocks.get(msg.commit)
    if (!commitBytes) return 'gap'
    // Verified already; only the commit's `data` link is needed here.
    const data = decodeCommit(commitBytes).data
    const garbage = msg.ops.filter((o) => o.action !== 'create').length * 2 + 1
    this.db.transaction(() => {
      let added = 0
      for (const { cid, bytes } of blocks) added += this.insertBlock.run(did, cid.bytes, bytes).changes
      this.db
        .prepare(
          'UPDATE repos SET head = ?, rev = ?, data = ?, garbage = garbage + ?, blocks = blocks + ? WHERE did = ?',
        )
        .run(msg.commit.bytes, msg.rev, data.bytes, garbage, added, did)
    })()
    const after = this.repo(did)!
    const ratio = this.opts.compactRatio ?? 0.5
    if (after.garbage >= (this.opts.compactMinGarbage ?? 500) && after.garbage > after.blocks * ratio) {
      this.compactQueue.add(did)
    }
    return 'applied'
  }

  /**
   * Replaces an account's archive with its full repo from `pdsHost` (com.atproto.sync.getRepo),
   * verified against `did` and `signingKey` before anything is stored.
   */
  async backfill(did: string, pdsHost: string, signingKey: string): Promise<ArchivedRepo> {
    const url = `${hostOrigin(pdsHost)}/xrpc/com.atproto.sync.getRepo?did=${encodeURIComponent(did)}`
    let res: Awaited<ReturnType<typeof safeFetch>>
    try {
      res = await safeFetch(url, {
        allowLoopback: this.opts.policy.allowLoopback,
        timeoutMs: this.opts.timeoutMs ?? 60_000,
        maxBytes: this.opts.maxRepoBytes ?? 512 * 1024 * 1024,
      })
    } catch (err) {
      throw new ArchiveError(`backfill of ${did} from ${pdsHost} failed: ${(err as Error).message}`, {
        cause: err,
      })
    }
    if (res.status !== 200)
      throw new ArchiveError(`backfill of ${did}: ${pdsHost} answered HTTP ${res.status}`)
    const car = new Uint8Array(res.body)
    let info: Awaited<ReturnType<typeof verifyRepoCar>>
    try {
      info = await verifyRepoCar(car, { did, key: signingKey })
    } catch (err) {
      throw new ArchiveError(
        `backfill of ${did}: the repo from ${pdsHost} does not verify: ${(err as Error).message}`,
        {
          cause: err,
        },
      )
    }
    const { blocks } = await readCar(car)
    this.replace(did, info.commit, info.rev, info.data, blocks)
    return this.repo(did)!
  }

  private replace(did: string, head: CID, rev: string, data: CID, blocks: BlockMap): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM blocks WHERE did = ?').run(did)
      for (const { cid, bytes } of blocks) this.insertBlock.run(did, cid.bytes, bytes)
      this.db
        .prepare(
          `INSERT INTO repos (did, head, rev, data, garbage, blocks) VALUES (?, ?, ?, ?, 0, ?)
           ON CONFLICT (did) DO UPDATE SET head = excluded.head, rev = excluded.rev, data = excluded.data,
             garbage = 0, blocks = excluded.blocks`,
        )
        .run(did, head.bytes, rev, data.bytes, blocks.size)
    })()
  }

  /** Drops an account's archive (deleted accounts). */
  remove(did: string): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM blocks WHERE did = ?').run(did)
      this.db.prepare('DELETE FROM repos WHERE did = ?').run(did)
    })()
  }

  /** Keeps only the blocks reachable from the head. Returns blocks removed. */
  async compact(did: string): Promise<number> {
    const repo = this.repo(did)
    if (!repo) return 0
    const live = new Set<string>()
    for await (const b of repoBlocks(this.blockstore(did), repo.head))
      live.add(Buffer.from(b.cid.bytes).toString('hex'))
    // The head may have moved while walking (commits apply between awaits): do not compact then.
    const now = this.repo(did)
    if (!now?.head.equals(repo.head)) return 0
    const all = this.db.prepare('SELECT cid FROM blocks WHERE did = ?').all(did) as { cid: Uint8Array }[]
    const dead = all.filter((r) => !live.has(Buffer.from(r.cid).toString('hex')))
    this.db.transaction(() => {
      const del = this.db.prepare('DELETE FROM blocks WHERE did = ? AND cid = ?')
      for (const r of dead) del.run(did, r.cid)
      this.db.prepare('UPDATE repos SET garbage = 0, blocks = ? WHERE did = ?').run(live.size, did)
    })()
    return dead.length
  }

  /** Compacts the accounts queued by applyCommit; returns how many blocks went. */
  async compactQueued(max = 10): Promise<number> {
    let removed = 0
    for (const did of [...this.compactQueue].slice(0, max)) {
      this.compactQueue.delete(did)
      removed += await this.compact(did)
    }
    return removed
  }

  close(): void {
    this.db.close()
  }
}

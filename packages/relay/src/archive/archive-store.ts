// Archival mode: the relay keeps every account's full repository, so it can serve getRepo
// (whole, or the diff `since` a rev), getRecord and getBlocks itself (sync.md: consumers should
// re-sync from their upstream, which may cache the repo). Storage is a CAR store in the manner
// of indigo's carstore: each verified commit's slice is appended, as the CAR v1 bytes it came
// in, to the account's shard file (shard-files.ts); a SQLite index maps (did, cid) to where the
// block sits, and lists each account's shards with the revs they cover (archive-index.ts).
//
// An account first seen, or whose chain broke, is backfilled with getRepo from its PDS (checked
// in full: hashes, structure, signature) into a new file. Updates and deletes leave unreachable
// blocks behind; compaction walks the repo from its head and writes what is reachable into a
// new file. Both rewrites follow one crash-safe order: reserve the name (pending) -> write and
// fsync the file -> switch the index in one transaction (old files marked dead) -> unlink. A
// kill at any point leaves the index pointing only at complete files; the next open removes
// pending files the index never took and dead files not yet unlinked.
//
// Every read is checked (the range is in the file, the bytes hash to the CID): a damaged
// archive answers an ArchiveCorruptError, is counted, and the account is backfilled again on
// its next commit.
import { type Block, CID, readCar, readCarSync, verifyBlock, writeCar } from '@welkin/data'
import type { CommitMessage } from '@welkin/firehose'
import { safeFetch } from '@welkin/identity'
import { decodeCommit, exportRepoCar, repoBlocks, verifyRepoCar } from '@welkin/repo'
import type { Sqlite } from '../db/database.js'
import { ArchiveError } from '../errors.js'
import { type HostPolicy, hostOrigin } from '../hostname.js'
import { ArchiveIndex, type ShardRow } from './archive-index.js'
import { buildShard, type ShardEntry, scanShard } from './car-shard.js'
import { ArchiveCorruptError, type CorruptReason } from './corrupt-error.js'
import { type ReadProblem, ShardFiles } from './shard-files.js'

export interface ArchivedRepo {
  did: string
  head: CID
  rev: string
  data: CID
  /** Blocks possibly unreachable since the last compaction (an estimate). */
  garbage: number
  /** Distinct blocks indexed for the account. */
  blocks: number
  /** A read found the archive damaged; the next commit backfills it. */
  damaged: boolean
}

/** A ReadableBlockstore whose reads are synchronous (the shard files are read with pread). */
export interface SyncBlockstore {
  getBytes(cid: CID): Uint8Array | null
}

/** Steps of a rewrite (backfill, compaction), reported to `onStep` (crash tests stop there). */
export type RewriteStep = 'reserved' | 'written' | 'swapped'

export interface ArchiveOptions {
  policy: HostPolicy
  /** Directory of the shard files (default: `archive` beside the index file). */
  shardDir?: string
  /** Largest repo CAR fetched in a backfill (default 512 MiB). */
  maxRepoBytes?: number
  /** Compact an account once garbage exceeds this share of its blocks (default 0.5)... */
  compactRatio?: number
  /** ...and this many blocks (default 500). */
  compactMinGarbage?: number
  timeoutMs?: number
  /** Counts damaged reads by reason (relay_archive_read_errors_total). */
  readErrors?: { inc(labels: { reason: string }): void }
  /** Test hook: called between the steps of a rewrite. */
  onStep?: (step: RewriteStep, did: string) => void
}

export class ArchiveStore {
  readonly index: ArchiveIndex
  readonly files: ShardFiles
  private readonly compactQueue = new Set<string>()

  constructor(
    path: string,
    private readonly opts: ArchiveOptions,
  ) {
    this.index = new ArchiveIndex(path)
    this.files = new ShardFiles(opts.shardDir ?? path.replace(/\.sqlite$/, ''))
    this.recover()
  }

  /** The index database (kept for callers of the SQLite-only archive). */
  get db(): Sqlite {
    return this.index.db
  }

  repo(did: string): ArchivedRepo | undefined {
    const r = this.index.repo(did)
    if (!r) return undefined
    return {
      did,
      head: CID.decode(r.head),
      rev: r.rev,
      data: CID.decode(r.data),
      garbage: r.garbage,
      blocks: r.blocks,
      damaged: r.damaged !== 0,
    }
  }

  /** A read-only blockstore over one account's blocks; reads throw ArchiveCorruptError. */
  blockstore(did: string): SyncBlockstore {
    return {
      getBytes: (cid: CID) => {
        const at = this.index.block(did, cid)
        if (!at) return null
        const bytes = this.files.read(at.file, at.off, at.len)
        if (typeof bytes === 'string') throw this.corrupt(did, bytes, `block ${cid} in ${at.file}`)
        if (!verifyBlock(cid, bytes)) throw this.corrupt(did, 'hash-mismatch', `block ${cid} in ${at.file}`)
        return bytes
      },
    }
  }

  /**
   * The account's repo as CAR chunks: whole (the commit, then the tree in the repository
   * spec's order), or with `since` the diff after that rev: the blocks of every shard covering
   * a later rev, the head commit first (what the official PDS answers: blocks stored since).
   * Throws (while iterating) ArchiveCorruptError on damage.
   */
  exportCar(did: string, since?: string): AsyncIterable<Uint8Array> {
    const repo = this.repo(did)
    if (!repo) throw new ArchiveError(`no archive of ${did}`)
    const chunks =
      since === undefined
        ? exportRepoCar(this.blockstore(did), repo.head)
        : writeCar([repo.head], this.diffBlocks(did, repo.head, since))
    return this.checked(did, chunks)
  }

  /** Any failure reading an archived repo is damage (a block the tree needs is not indexed...). */
  private async *checked(did: string, chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    try {
      yield* chunks
    } catch (err) {
      if (err instanceof ArchiveCorruptError) throw err
      throw this.corrupt(did, 'missing-block', (err as Error).message, err)
    }
  }

  private *diffBlocks(did: string, head: CID, since: string): Generator<Block> {
    const commit = this.blockstore(did).getBytes(head)
    if (!commit) throw this.corrupt(did, 'bad-shard', `head commit ${head} is not indexed`)
    yield { cid: head, bytes: commit }
    const seen = new Set<string>([head.key])
    for (const shard of this.index.shardsAfter(did, since)) {
      for (const b of this.readShard(did, shard).blocks) {
        if (seen.has(b.cid.key)) continue
        seen.add(b.cid.key)
        yield b
      }
    }
  }

  /** A whole shard, parsed and hash-checked. */
  private readShard(did: string, shard: ShardRow): ReturnType<typeof readCarSync> {
    const bytes = this.files.read(shard.file, shard.off, shard.len)
    if (typeof bytes === 'string') throw this.corrupt(did, bytes, `shard ${shard.id} in ${shard.file}`)
    try {
      return readCarSync(bytes, { maxTotalBytes: Number.MAX_SAFE_INTEGER })
    } catch (err) {
      throw this.corrupt(
        did,
        'bad-shard',
        `shard ${shard.id} in ${shard.file}: ${(err as Error).message}`,
        err,
      )
    }
  }

  /** The account's shards, oldest first (rev ranges; for tests and admin). */
  shards(did: string): { since: string | null; rev: string; file: string; bytes: number }[] {
    return this.index.shards(did).map((s) => ({ since: s.since, rev: s.rev, file: s.file, bytes: s.len }))
  }

  /**
   * Appends a verified commit's slice when it continues the archived repo (its prevData is the
   * archived tree). Returns 'gap' when it does not (or the archive is damaged): the caller
   * backfills.
   */
  applyCommit(did: string, msg: CommitMessage): 'applied' | 'stale' | 'gap' {
    const cur = this.index.repo(did)
    if (cur && msg.rev <= cur.rev) return 'stale'
    if (!cur || cur.damaged || !msg.prevData || Buffer.compare(msg.prevData.bytes, cur.data) !== 0)
      return 'gap'
    // Verified already: the slice is stored as it came, only block offsets are needed.
    let bytes = msg.blocks
    let entries = scanShard(bytes, msg.commit)
    let commitBytes: Uint8Array | undefined
    if (!entries) {
      const { blocks } = readCarSync(bytes)
      ;({ bytes, entries } = buildShard(msg.commit, blocks))
    }
    const want = msg.commit.bytes
    for (const e of entries)
      if (Buffer.compare(e.cid, want) === 0) commitBytes = bytes.subarray(e.off, e.off + e.len)
    if (!commitBytes) return 'gap'
    const data = decodeCommit(commitBytes).data
    const off = this.files.append(cur.file, bytes)
    const garbage = msg.ops.filter((o) => o.action !== 'create').length * 2 + 1
    const added = this.index.addShard(
      did,
      { file: cur.file, off, len: bytes.length, since: msg.since ?? null, rev: msg.rev },
      entries,
      { commit: msg.commit, data, garbage },
    )
    const after = { garbage: cur.garbage + garbage, blocks: cur.blocks + added }
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
    return this.importCar(did, new Uint8Array(res.body), signingKey, pdsHost)
  }

  /** Replaces an account's archive with the repo CAR `car`, once it verifies. */
  async importCar(did: string, car: Uint8Array, signingKey: string, from = 'import'): Promise<ArchivedRepo> {
    let info: Awaited<ReturnType<typeof verifyRepoCar>>
    try {
      info = await verifyRepoCar(car, { did, key: signingKey })
    } catch (err) {
      throw new ArchiveError(
        `backfill of ${did}: the repo from ${from} does not verify: ${(err as Error).message}`,
        {
          cause: err,
        },
      )
    }
    let bytes = car
    let entries = scanShard(car, info.commit)
    if (!entries) ({ bytes, entries } = buildShard(info.commit, (await readCar(car)).blocks))
    await this.rewrite(did, bytes, entries, { head: info.commit, rev: info.rev, data: info.data })
    return this.repo(did)!
  }

  /** Drops an account's archive (deleted accounts). */
  remove(did: string): void {
    this.compactQueue.delete(did)
    this.unlinkDead(this.index.removeRepo(did))
  }

  /** Rewrites the account's reachable blocks into one new shard. Returns blocks removed. */
  async compact(did: string): Promise<number> {
    const repo = this.repo(did)
    if (!repo || repo.damaged) return 0
    const file = this.index.repo(did)!.file
    const live: Block[] = []
    try {
      for await (const b of repoBlocks(this.blockstore(did), repo.head)) live.push(b)
    } catch (err) {
      // Damage is counted and marked (the next commit backfills); nothing to compact.
      if (!(err instanceof ArchiveCorruptError))
        this.corrupt(did, 'missing-block', (err as Error).message, err)
      return 0
    }
    const { bytes, entries } = buildShard(repo.head, live)
    // A commit appended to the old file while the new one was written would be lost: give up
    // then (the account is compacted on a later pass).
    const unchanged = () => {
      const now = this.index.repo(did)
      return now !== undefined && now.file === file && now.rev === repo.rev
    }
    const done = await this.rewrite(did, bytes, entries, repo, unchanged)
    return done ? repo.blocks - entries.length : 0
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

  /** fdatasyncs the open shard files. */
  sync(): void {
    this.files.sync()
  }

  close(): void {
    this.files.close()
    this.index.close()
  }

  /**
   * The crash-safe rewrite: reserve (pending) -> write + fsync -> swap the index -> unlink the
   * old files. `stillValid` is checked just before the swap.
   */
  private async rewrite(
    did: string,
    bytes: Uint8Array,
    entries: ShardEntry[],
    head: { head: CID; rev: string; data: CID },
    stillValid: () => boolean = () => true,
  ): Promise<boolean> {
    const file = this.index.reserveFile((id) => ShardFiles.fileName(did, id))
    this.opts.onStep?.('reserved', did)
    try {
      await this.files.create(file, bytes)
    } catch (err) {
      this.dropPending(file)
      throw new ArchiveError(`cannot write ${file}: ${(err as Error).message}`, { cause: err })
    }
    this.opts.onStep?.('written', did)
    if (!stillValid()) {
      this.dropPending(file)
      return false
    }
    const old = this.index.swapIn({
      did,
      file,
      head: head.head,
      rev: head.rev,
      data: head.data,
      shardLen: bytes.length,
      entries,
    })
    this.opts.onStep?.('swapped', did)
    this.unlinkDead(old)
    return true
  }

  private dropPending(file: string): void {
    this.files.remove(file)
    this.index.fileGone(file)
  }

  private unlinkDead(files: string[]): void {
    for (const f of files) {
      this.files.remove(f)
      this.index.fileGone(f)
    }
  }

  /** Finishes or undoes what a crash interrupted (see the header comment). */
  private recover(): void {
    for (const f of this.index.leftovers()) {
      if (!f.inUse) this.files.remove(f.name)
      this.index.fileGone(f.name)
    }
  }

  private corrupt(did: string, reason: CorruptReason | ReadProblem, what: string, cause?: unknown) {
    this.opts.readErrors?.inc({ reason })
    this.index.markDamaged(did)
    return new ArchiveCorruptError(did, reason, what, { cause })
  }
}

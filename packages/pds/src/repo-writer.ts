// The repo writer: turns a batch of record writes into a signed commit and stores it, with its
// `#commit` event, in one transaction (commit-tx.ts). Writes to one DID are serialized by an
// in-process queue; different DIDs proceed concurrently (their CPU work interleaves, their
// transactions are short and one at a time).
import { type ExportableKeypair, importKeypair, type JwtAlg, type Keypair } from '@welkin/crypto'
import { CID } from '@welkin/data'
import {
  type CommitData,
  exportDiffCar,
  MemoryBlockstore,
  type RecordOp,
  type RecordWrite,
  Repo,
  type WriteAction,
} from '@welkin/repo'
import { findBlobRefs } from './blob-refs.js'
import type { BlobService } from './blobs.js'
import { BlockCache } from './block-cache.js'
import { type CommitSigner, sharedCommitSigner } from './commit-signer.js'
import { applyCommitTx, type CommitOutcome, mstNodes } from './commit-tx.js'
import type { PdsDatabase } from './db/database.js'
import { AccountNotFoundError, InvalidRepoWriteError, InvalidSwapError, RepoNotFoundError } from './errors.js'
import { GroupCommitter } from './group-commit.js'
import { NodeCollector, type NodeCollectorOptions } from './node-gc.js'
import { SqlRepoStore } from './repo-store.js'
import type { Sequencer } from './sequencer.js'
import { KeyedQueue } from './serial-queue.js'

export interface RepoWrite extends RecordWrite {
  /** Expected current record CID; null means "must not exist". Absent: no check. */
  swapRecord?: CID | null
}

export interface ApplyWritesOptions {
  /** Expected current commit CID (com.atproto.repo.applyWrites `swapCommit`). */
  swapCommit?: CID
}

export interface WriteResult {
  action: WriteAction
  uri: string
  /** The record's new CID; null for a delete. */
  cid: CID | null
}

export interface AppliedCommit {
  did: string
  cid: CID
  rev: string
  since: string | null
  /** Root of the record tree after the commit. */
  data: CID
  prevData: CID | null
  /** Seq of the commit's `#commit` event. */
  seq: number
  ops: RecordOp[]
  results: WriteResult[]
}

export interface RepoWriterOptions {
  db: PdsDatabase
  sequencer: Sequencer
  /** Moves blob files after commits; without it the moves wait for `finishPendingMoves`. */
  blobs?: BlobService
  cache?: BlockCache
  /** Repos whose root and signing key stay in memory (default 10,000). */
  maxCachedRepos?: number
  /**
   * Repos whose record tree stays in memory between writes, decoded, the most recently written
   * ones (default 1,000). Others reload the nodes they touch from the block cache.
   */
  maxCachedTrees?: number
  /** Most commits grouped in one SQLite transaction (default 64; 1 = no grouping). */
  maxGroupCommit?: number
  /** When dropped MST nodes are deleted (see NodeCollector). */
  nodeGc?: NodeCollectorOptions
  /**
   * Where commits are signed: by default secp256k1 keys sign on the process's worker thread
   * (sharedCommitSigner); false signs on the event loop.
   */
  signer?: CommitSigner | false
}

const NO_BLOBS: ReadonlyMap<string, CID[]> = new Map()

/** sync.md "#commit Events": hard limits on a record block and on the whole CAR slice. */
export const MAX_RECORD_BYTES = 1_000_000
export const MAX_COMMIT_SLICE_BYTES = 2_000_000

/**
 * A kept tree is dropped after this many commits and read again from the store: what stays in
 * memory is then the nodes those commits touched, not everything a long-lived writer ever did.
 */
const TREE_RELOAD_COMMITS = 256

interface RepoState {
  root: CID
  keypair: Keypair
  /** The repo at `root` with its tree as the last commit left it, while kept. */
  repo: Repo | null
  /** Commits applied to `repo` since it was loaded. */
  commits: number
}

interface AccountKeyRow {
  signing_key_alg: string
  signing_key: Uint8Array
  root: Uint8Array | null
}

export class RepoWriter {
  readonly db: PdsDatabase
  readonly sequencer: Sequencer
  readonly cache: BlockCache
  readonly blobs?: BlobService
  readonly queue = new KeyedQueue()
  readonly committer: GroupCommitter
  readonly #states = new Map<string, RepoState>()
  /** DIDs whose state keeps its tree, least recently written first. */
  readonly #trees = new Set<string>()
  readonly nodeGc: NodeCollector
  /** Signs commits off the event loop; undefined when writes sign where they run. */
  readonly signer: CommitSigner | undefined
  readonly #maxStates: number
  readonly #maxTrees: number

  constructor(opts: RepoWriterOptions) {
    this.db = opts.db
    this.sequencer = opts.sequencer
    this.blobs = opts.blobs
    this.cache = opts.cache ?? new BlockCache()
    this.committer = new GroupCommitter(opts.sequencer, { maxBatch: opts.maxGroupCommit })
    this.#maxStates = opts.maxCachedRepos ?? 10_000
    this.#maxTrees = opts.maxCachedTrees ?? 1_000
    this.nodeGc = new NodeCollector(opts.db, opts.nodeGc)
    this.signer = opts.signer === false ? undefined : (opts.signer ?? sharedCommitSigner())
  }

  /** Deletes up to about `limit` dropped MST nodes now; see NodeCollector. */
  collectGarbage(limit = 256): number {
    return this.nodeGc.collect(limit)
  }

  /** Applies a batch of writes to `did`'s repo as one commit (after the DID's earlier writes). */
  applyWrites(
    did: string,
    writes: readonly RepoWrite[],
    opts: ApplyWritesOptions = {},
  ): Promise<AppliedCommit> {
    return this.queue.run(did, () => this.#apply(did, writes, opts))
  }

  /** Runs `task` with no write to `did` in progress (account lifecycle changes use this). */
  exclusive<T>(did: string, task: () => Promise<T> | T): Promise<T> {
    return this.queue.run(did, task)
  }

  /** Drops what is remembered about `did` (its key or root changed outside applyWrites). */
  forget(did: string): void {
    this.#states.delete(did)
    this.#trees.delete(did)
  }

  /** A blockstore over `did`'s stored blocks, sharing the writer's node cache. */
  storeFor(did: string): SqlRepoStore {
    return new SqlRepoStore(this.db, did, this.cache)
  }

  /**
   * Creates the first commit of a new repo (optionally with records). `inTransaction` runs first
   * inside the commit's transaction: account creation inserts the account row and appends the
   * `#identity` and `#account` events there, so all of it is atomic.
   */
  createRepo(
    did: string,
    keypair: Keypair,
    writes: readonly RecordWrite[] = [],
    inTransaction?: (db: PdsDatabase) => void,
  ): Promise<AppliedCommit> {
    return this.queue.run(did, async () => {
      const commit = await Repo.formatInitCommit(new MemoryBlockstore(), did, keypair, writes)
      const prepared = this.#prepare(commit, writes)
      const outcome = await this.committer.run((db) => {
        inTransaction?.(db)
        return applyCommitTx(db, this.sequencer, { did, prevRoot: null, commit, ...prepared })
      })
      return this.#committed(did, this.#signingKey(keypair), commit, prepared.nodes, outcome, null)
    })
  }

  async #apply(did: string, writes: readonly RepoWrite[], opts: ApplyWritesOptions): Promise<AppliedCommit> {
    const state = this.#state(did)
    if (opts.swapCommit && !opts.swapCommit.equals(state.root)) {
      throw new InvalidSwapError(
        `swapCommit ${opts.swapCommit} does not match the current commit ${state.root}`,
      )
    }
    let repo = state.repo
    if (repo === null || state.commits >= TREE_RELOAD_COMMITS) {
      repo = await Repo.load(this.storeFor(did), state.root, { checkLayers: false })
      state.repo = repo
      state.commits = 0
      this.#keepTree(did)
    }
    for (const w of writes) {
      if (w.swapRecord === undefined) continue
      const current = await repo.getRecordCid(w.collection, w.rkey)
      if (w.swapRecord === null ? current !== null : !current?.equals(w.swapRecord)) {
        throw new InvalidSwapError(
          `swapRecord ${w.swapRecord ?? 'null'} does not match ${w.collection}/${w.rkey} (${current ?? 'absent'})`,
        )
      }
    }
    const commit = await repo.formatCommit(writes, state.keypair)
    const prepared = this.#prepare(commit, writes)
    let outcome: CommitOutcome
    try {
      outcome = await this.committer.run((db) =>
        applyCommitTx(db, this.sequencer, { did, prevRoot: state.root, commit, ...prepared }),
      )
    } catch (err) {
      // Whatever failed, the next write starts again from the database.
      this.forget(did)
      throw err
    }
    return this.#committed(did, state.keypair, commit, prepared.nodes, outcome, {
      repo: repo.afterCommit(commit),
      commits: state.commits + 1,
    })
  }

  #prepare(commit: CommitData, writes: readonly RecordWrite[]) {
    for (const { cid, bytes } of commit.newBlocks) {
      if (bytes.length > MAX_RECORD_BYTES) {
        throw new InvalidRepoWriteError(`block ${cid} is ${bytes.length} bytes, over ${MAX_RECORD_BYTES}`)
      }
    }
    const carSlice = exportDiffCar(commit)
    if (carSlice.length > MAX_COMMIT_SLICE_BYTES) {
      throw new InvalidRepoWriteError(`commit is ${carSlice.length} bytes, over ${MAX_COMMIT_SLICE_BYTES}`)
    }
    let blobsByPath: Map<string, CID[]> | undefined
    for (const w of writes) {
      if (w.action === 'delete' || w.record === undefined) continue
      const refs = findBlobRefs(w.record)
      if (refs.length === 0) continue
      blobsByPath ??= new Map()
      blobsByPath.set(`${w.collection}/${w.rkey}`, refs)
    }
    return {
      carSlice,
      blobsByPath: blobsByPath ?? NO_BLOBS,
      nodes: mstNodes(commit),
      time: new Date().toISOString(),
    }
  }

  async #committed(
    did: string,
    keypair: Keypair,
    commit: CommitData,
    nodes: readonly { cid: CID; bytes: Uint8Array }[],
    outcome: CommitOutcome,
    kept: { repo: Repo; commits: number } | null,
  ): Promise<AppliedCommit> {
    this.#remember(did, { root: commit.cid, keypair, repo: kept?.repo ?? null, commits: kept?.commits ?? 0 })
    this.nodeGc.noteCommit(commit.removedCids.length)
    // Nodes the tree dropped are never read again through it. The new ones (and the commit)
    // are cached only when no tree is kept: a kept tree holds them itself, and caching every
    // write's path too would fill the cache with nodes the next write replaces, all of which
    // the garbage collector would copy and promote first.
    for (const cid of commit.removedCids) this.cache.delete(cid)
    if (kept === null || kept.repo !== this.#states.get(did)?.repo) {
      this.cache.set(commit.cid, commit.newBlocks.get(commit.cid)!)
      for (const { cid, bytes } of nodes) this.cache.set(cid, bytes)
    }
    if (this.blobs && (outcome.promoted.length > 0 || outcome.released.length > 0)) {
      try {
        await this.blobs.afterCommit(did, outcome)
      } catch {
        // The commit stands; BlobService.get and finishPendingMoves complete an interrupted move.
      }
    }
    return {
      did,
      cid: commit.cid,
      rev: commit.rev,
      since: commit.since,
      data: commit.commit.data,
      prevData: commit.prevData,
      seq: outcome.event.seq,
      ops: commit.ops,
      results: commit.ops.map((op) => ({ action: op.action, uri: `at://${did}/${op.path}`, cid: op.cid })),
    }
  }

  /** `keypair` as later writes sign with it: on the signer's worker when its key can be exported. */
  #signingKey(keypair: Keypair): Keypair {
    const exportable = keypair as Partial<ExportableKeypair>
    if (this.signer === undefined || typeof exportable.export !== 'function') return keypair
    return this.signer.keypair(keypair, exportable.export())
  }

  #state(did: string): RepoState {
    const known = this.#states.get(did)
    if (known) return known
    const row = this.db
      .prepare(
        `SELECT a.signing_key_alg, a.signing_key, r.cid AS root
         FROM account a LEFT JOIN repo_root r ON r.did = a.did WHERE a.did = ?`,
      )
      .get(did) as AccountKeyRow | undefined
    if (!row) throw new AccountNotFoundError(did)
    if (!row.root) throw new RepoNotFoundError(did)
    const keypair = importKeypair(row.signing_key_alg as JwtAlg, row.signing_key)
    const state: RepoState = {
      root: CID.decode(row.root),
      keypair: this.signer ? this.signer.keypair(keypair, row.signing_key) : keypair,
      repo: null,
      commits: 0,
    }
    this.#remember(did, state)
    return state
  }

  #remember(did: string, state: RepoState): void {
    this.#states.delete(did)
    this.#states.set(did, state)
    if (this.#states.size > this.#maxStates) this.forget(this.#states.keys().next().value as string)
    if (state.repo === null) this.#trees.delete(did)
    else this.#keepTree(did)
  }

  /** Marks `did`'s tree as the most recently used one kept, dropping the oldest beyond the bound. */
  #keepTree(did: string): void {
    this.#trees.delete(did)
    this.#trees.add(did)
    if (this.#trees.size <= this.#maxTrees) return
    const oldest = this.#trees.keys().next().value as string
    this.#trees.delete(oldest)
    const state = this.#states.get(oldest)
    if (state) state.repo = null
  }
}

import type { Keypair } from '@welkin/crypto'
import { BlockMap, type CID, type DataValue, decodeCbor } from '@welkin/data'
import { nextTid, tidFromTime, tidTimestamp } from '@welkin/syntax'
import type { RepoBlockstore } from './blockstore.js'
import { type Commit, commitBlock, decodeCommit, signCommit } from './commit.js'
import { InvalidWriteError, MissingBlockError, RepoError } from './errors.js'
import { diffNodes } from './mst/diff.js'
import type { MstOptions } from './mst/loader.js'
import { MST } from './mst/mst.js'
import type { RecordOp } from './sync/invert.js'
import { addInversionNodes } from './sync/slice.js'
import { prepareWrites, type RecordWrite } from './writes.js'

/** A commit ready to store and announce. */
export interface CommitData {
  cid: CID
  commit: Commit
  rev: string
  /** Rev of the previous commit; null for a repo's first commit. */
  since: string | null
  /** Tree root of the previous commit; null for a repo's first commit. */
  prevData: CID | null
  /** Everything new: the commit block, new MST nodes, new record blocks. */
  newBlocks: BlockMap
  /** What a `#commit` event carries: newBlocks plus the nodes needed to invert the ops. */
  relevantBlocks: BlockMap
  /** MST nodes of the previous tree that the new one no longer uses. */
  removedCids: CID[]
  ops: RecordOp[]
  /**
   * The record tree after the commit, its nodes already decoded or built: a writer that stores
   * the blocks itself continues from it (Repo.afterCommit) instead of reading it back.
   */
  tree: MST
}

export interface CommitOptions {
  /** The new commit's rev; default a fresh TID above the previous rev. */
  rev?: string
  /** Most writes in one commit (default 200, the firehose limit, sync.md). */
  maxWrites?: number
}

function revAfter(prev: string | null): string {
  const rev = nextTid()
  if (prev === null || rev > prev) return rev
  // Our clock is behind the previous host's: keep rev monotonic (sync.md "Repository Revisions").
  return tidFromTime(tidTimestamp(prev) + 1, 0)
}

/**
 * A repository at one commit, over a blockstore (repository.md). Immutable: a commit gives a
 * new Repo. `formatCommit` only computes; `applyWrites` also stores the new blocks.
 */
export class Repo {
  private constructor(
    readonly store: RepoBlockstore,
    readonly cid: CID,
    readonly commit: Commit,
    readonly data: MST,
  ) {}

  get did(): string {
    return this.commit.did
  }

  get rev(): string {
    return this.commit.rev
  }

  static async load(store: RepoBlockstore, commitCid: CID, opts?: MstOptions): Promise<Repo> {
    const bytes = await store.getBytes(commitCid)
    if (!bytes) throw new MissingBlockError(commitCid, 'commit')
    const commit = decodeCommit(bytes, `commit ${commitCid}`)
    return new Repo(store, commitCid, commit, MST.load(store, commit.data, opts))
  }

  /** The first commit of a new repo (optionally with records), not yet stored. */
  static async formatInitCommit(
    store: RepoBlockstore,
    did: string,
    keypair: Keypair,
    writes: readonly RecordWrite[] = [],
    opts: CommitOptions = {},
  ): Promise<CommitData> {
    return buildCommit(MST.create(store), null, did, keypair, writes, opts)
  }

  static async create(
    store: RepoBlockstore,
    did: string,
    keypair: Keypair,
    writes: readonly RecordWrite[] = [],
    opts: CommitOptions = {},
  ): Promise<Repo> {
    const commit = await Repo.formatInitCommit(store, did, keypair, writes, opts)
    await store.putBlocks(commit.newBlocks)
    return Repo.load(store, commit.cid)
  }

  /** Computes (and signs) the commit applying `writes`, without storing anything. */
  async formatCommit(
    writes: readonly RecordWrite[],
    keypair: Keypair,
    opts: CommitOptions = {},
  ): Promise<CommitData> {
    return buildCommit(this.data, this, this.did, keypair, writes, opts)
  }

  /** The repo after `commit` (from formatCommit on this repo), once its blocks are stored. */
  async applyCommit(commit: CommitData): Promise<Repo> {
    await this.store.putBlocks(commit.newBlocks)
    // Keep the nodes the commit already decoded or built, rather than reading them back.
    return new Repo(this.store, commit.cid, commit.commit, commit.tree)
  }

  /**
   * The repo after `commit` (from formatCommit on this repo) for a caller that stores the
   * commit's blocks itself: nothing is stored or read, the commit's tree is kept as built.
   */
  afterCommit(commit: CommitData): Repo {
    if (commit.since !== this.rev || !commit.prevData?.equals(this.commit.data)) {
      throw new RepoError(`commit ${commit.cid} was not formatted on ${this.cid}`)
    }
    return new Repo(this.store, commit.cid, commit.commit, commit.tree)
  }

  async applyWrites(
    writes: readonly RecordWrite[],
    keypair: Keypair,
    opts: CommitOptions = {},
  ): Promise<{ repo: Repo; commit: CommitData }> {
    const commit = await this.formatCommit(writes, keypair, opts)
    return { repo: await this.applyCommit(commit), commit }
  }

  async getRecordCid(collection: string, rkey: string): Promise<CID | null> {
    return this.data.get(`${collection}/${rkey}`)
  }

  async getRecord(collection: string, rkey: string): Promise<DataValue | null> {
    const cid = await this.getRecordCid(collection, rkey)
    if (!cid) return null
    const bytes = await this.store.getBytes(cid)
    if (!bytes) throw new MissingBlockError(cid, 'record')
    return decodeCbor(bytes)
  }

  /** Records of one collection in rkey order, `after` being a cursor (an rkey). */
  async listRecords(
    collection: string,
    opts: { limit?: number; after?: string; reverse?: boolean } = {},
  ): Promise<{ rkey: string; cid: CID }[]> {
    const prefix = `${collection}/`
    const cursor = opts.after === undefined ? undefined : prefix + opts.after
    const list = await this.data.list({
      from: prefix,
      after: opts.reverse ? undefined : cursor,
      to: opts.reverse && cursor !== undefined ? cursor : `${prefix}\x7f`,
      limit: opts.limit,
      reverse: opts.reverse,
    })
    return list.map((e) => ({ rkey: e.key.slice(prefix.length), cid: e.cid }))
  }
}

async function buildCommit(
  base: MST,
  prevRepo: Repo | null,
  did: string,
  keypair: Keypair,
  writes: readonly RecordWrite[],
  opts: CommitOptions,
): Promise<CommitData> {
  const prepared = prepareWrites(writes, opts.maxWrites ?? 200)
  const prevRev = prevRepo ? prevRepo.rev : null
  const rev = opts.rev ?? revAfter(prevRev)
  if (prevRev !== null && !(rev > prevRev)) throw new RepoError(`rev ${rev} does not follow ${prevRev}`)
  let tree = base
  const ops: RecordOp[] = []
  const records = new BlockMap()
  for (const w of prepared) {
    if (w.action === 'create') {
      // The insert finds an existing key itself: no separate lookup.
      try {
        tree = await tree.add(w.path, w.block!.cid)
      } catch (err) {
        if (err instanceof InvalidWriteError) throw new InvalidWriteError(`create ${w.path}: record exists`)
        throw err
      }
      ops.push({ action: 'create', path: w.path, cid: w.block!.cid })
      records.set(w.block!.cid, w.block!.bytes)
      continue
    }
    const current = await tree.get(w.path)
    if (w.action === 'update') {
      if (!current) throw new InvalidWriteError(`update ${w.path}: no such record`)
      tree = await tree.update(w.path, w.block!.cid)
      ops.push({ action: 'update', path: w.path, cid: w.block!.cid, prev: current })
    } else {
      if (!current) throw new InvalidWriteError(`delete ${w.path}: no such record`)
      tree = await tree.delete(w.path)
      ops.push({ action: 'delete', path: w.path, cid: null, prev: current })
    }
    if (w.block) records.set(w.block.cid, w.block.bytes)
  }
  const diff = await diffNodes(prevRepo ? base : null, tree)
  const commit = await signCommit({ did, version: 3, data: tree.getPointer(), rev, prev: null }, keypair)
  const block = commitBlock(commit)
  const newBlocks = new BlockMap()
  newBlocks.set(block.cid, block.bytes)
  newBlocks.addMap(diff.newMstBlocks)
  newBlocks.addMap(records)
  const relevantBlocks = new BlockMap()
  relevantBlocks.addMap(newBlocks)
  await addInversionNodes(tree, ops, relevantBlocks)
  const data: CommitData = {
    cid: block.cid,
    commit,
    rev,
    since: prevRev,
    prevData: prevRepo ? base.getPointer() : null,
    newBlocks,
    relevantBlocks,
    removedCids: diff.removedMstCids,
    ops,
    tree,
  }
  return data
}

import { BlockMap, type CID } from '@welkin/data'
import { MemoryBlockstore, type ReadableBlockstore } from '../blockstore.js'
import { InvalidMstKeyError, InvalidWriteError } from '../errors.js'
import { buildFromSorted } from './bulk.js'
import { nodeCid } from './codec.js'
import { iterateEntries } from './iterate.js'
import { ensureValidMstKey, leadingZerosOnHash, mstKeyProblem } from './key.js'
import { type MstOptions, NodeLoader } from './loader.js'
import { MstNode } from './node.js'
import { EXISTS, lookup, NOT_FOUND, putKey, removeKey } from './ops.js'
import { type WalkItem, walkTree } from './walk.js'

export interface MstEntry {
  key: string
  cid: CID
}

export interface ListOptions {
  /** Smallest key to include. */
  from?: string
  /** Only keys strictly after this one (a cursor). */
  after?: string
  /** Only keys strictly before this one. */
  to?: string
  limit?: number
  reverse?: boolean
}

/**
 * A Merkle Search Tree over a blockstore (repository.md "MST Structure"). Immutable: edits
 * return a new tree sharing unchanged nodes; nodes load lazily, and new ones are encoded only
 * when a CID or the unstored blocks are asked for.
 */
export class MST {
  private constructor(
    readonly loader: NodeLoader,
    readonly root: MstNode,
  ) {}

  static create(store: ReadableBlockstore = new MemoryBlockstore(), opts?: MstOptions): MST {
    return new MST(new NodeLoader(store, opts), MstNode.empty())
  }

  /** The tree whose root node is `root`; nothing is read until needed. */
  static load(store: ReadableBlockstore, root: CID, opts?: MstOptions): MST {
    return new MST(new NodeLoader(store, opts), MstNode.stub(root, -1))
  }

  /** Builds a tree from entries in one pass (keys are validated, sorted and must be unique). */
  static fromEntries(
    entries: Iterable<MstEntry>,
    store: ReadableBlockstore = new MemoryBlockstore(),
    opts?: MstOptions,
  ): MST {
    return new MST(new NodeLoader(store, opts), buildFromSorted(entries))
  }

  /** @internal a tree over the same loader with another root node. */
  withRoot(root: MstNode): MST {
    return root === this.root ? this : new MST(this.loader, root)
  }

  getPointer(): CID {
    return nodeCid(this.root)
  }

  async get(key: string): Promise<CID | null> {
    if (mstKeyProblem(key) !== undefined) return null
    const layer = leadingZerosOnHash(key)
    return this.loader.withLoads(() => lookup(this.loader, this.root, key, layer))
  }

  async has(key: string): Promise<boolean> {
    return (await this.get(key)) !== null
  }

  /** Adds a new key; throws InvalidWriteError when it exists. */
  async add(key: string, cid: CID): Promise<MST> {
    return this.put(key, cid, 'create')
  }

  /** Changes an existing key's value; throws InvalidWriteError when it is absent. */
  async update(key: string, cid: CID): Promise<MST> {
    return this.put(key, cid, 'update')
  }

  /** Adds or replaces. */
  async set(key: string, cid: CID): Promise<MST> {
    return this.put(key, cid, 'put')
  }

  private async put(key: string, cid: CID, mode: 'create' | 'update' | 'put'): Promise<MST> {
    ensureValidMstKey(key)
    const layer = leadingZerosOnHash(key)
    const next = await this.loader.withLoads(() => putKey(this.loader, this.root, key, layer, cid, mode))
    if (next === EXISTS) throw new InvalidWriteError(`MST key ${key} already exists`)
    if (next === NOT_FOUND) throw new InvalidWriteError(`MST key ${key} not found`)
    return this.withRoot(next)
  }

  /** Removes a key; throws InvalidWriteError when it is absent. */
  async delete(key: string): Promise<MST> {
    const problem = mstKeyProblem(key)
    if (problem !== undefined) throw new InvalidMstKeyError(key, problem)
    const layer = leadingZerosOnHash(key)
    const next = await this.loader.withLoads(() => removeKey(this.loader, this.root, key, layer))
    if (next === NOT_FOUND) throw new InvalidWriteError(`MST key ${key} not found`)
    return this.withRoot(next)
  }

  /** Entries in key order (or reverse) within the bounds, streamed. */
  async *entries(opts: ListOptions = {}): AsyncGenerator<MstEntry> {
    let lo = opts.from
    // The smallest string after `s` is s + '\0'; keys are ASCII without NUL.
    if (opts.after !== undefined && (lo === undefined || opts.after + '\0' > lo)) lo = `${opts.after}\0`
    const limit = opts.limit ?? Number.POSITIVE_INFINITY
    if (limit <= 0) return
    let n = 0
    for await (const e of iterateEntries(this.loader, this.root, lo, opts.to, opts.reverse ?? false)) {
      yield { key: e.key, cid: e.value }
      if (++n >= limit) return
    }
  }

  async list(opts: ListOptions = {}): Promise<MstEntry[]> {
    const out: MstEntry[] = []
    for await (const e of this.entries(opts)) out.push(e)
    return out
  }

  /** Entries whose key starts with `prefix` (e.g. `collection/`). */
  async listPrefix(prefix: string, opts: Omit<ListOptions, 'from' | 'to'> = {}): Promise<MstEntry[]> {
    return this.list({ ...opts, from: prefix, to: `${prefix}\x7f` })
  }

  /**
   * Every node then its leaves, in the streamable CAR order of repository.md; reads from the
   * store without caching, so memory stays proportional to depth. Stored nodes only: call on a
   * tree loaded from the store holding its blocks.
   */
  walk(opts?: MstOptions): AsyncGenerator<WalkItem> {
    const blocks = this.getUnstoredBlocks().blocks
    const store: ReadableBlockstore =
      blocks.size === 0
        ? this.loader.store
        : { getBytes: (cid) => blocks.get(cid) ?? this.loader.store.getBytes(cid) }
    return walkTree(store, this.getPointer(), { ...opts })
  }

  /** Nodes built by edits since the tree was loaded, encoded: what a commit must store. */
  getUnstoredBlocks(): { root: CID; blocks: BlockMap } {
    const blocks = new BlockMap()
    const stack: MstNode[] = [this.root]
    const root = nodeCid(this.root)
    while (stack.length > 0) {
      const node = stack.pop()!
      if (!node.fresh) continue
      const cid = nodeCid(node)
      if (node.bytes === undefined || blocks.has(cid)) continue
      blocks.set(cid, node.bytes)
      if (node.left) stack.push(node.left)
      for (const e of node.entries!) if (e.right) stack.push(e.right)
    }
    return { root, blocks }
  }
}

import type { CID } from '@welkin/data'
import { isPromiseLike, type ReadableBlockstore } from '../blockstore.js'
import { InvalidMstError, MissingBlockError } from '../errors.js'
import { DEFAULT_MAX_NODE_ENTRIES, decodeNodeInto, type NodeCheckOptions } from './codec.js'
import type { MstNode } from './node.js'

export interface MstOptions {
  /** Check every loaded key's layer (default true; Sync 1.1 inversion relies on the root hash instead). */
  checkLayers?: boolean
  /** Most entries accepted in one node (default 1024). */
  maxNodeEntries?: number
}

/**
 * Thrown by a synchronous tree operation that reached a node whose block the store can only
 * give asynchronously. The async wrapper (`withLoads`) awaits it, caches the node and reruns the
 * operation: operations have no side effects besides filling node caches, so a rerun is safe,
 * and the tree algorithms are written once, synchronously, for the firehose hot path.
 */
export class PendingBlock extends Error {
  constructor(
    readonly node: MstNode,
    readonly pending: PromiseLike<Uint8Array | null>,
  ) {
    super('MST node load pending')
  }
}

export class NodeLoader {
  readonly check: NodeCheckOptions

  constructor(
    readonly store: ReadableBlockstore,
    opts: MstOptions = {},
  ) {
    this.check = {
      checkLayers: opts.checkLayers ?? true,
      maxEntries: opts.maxNodeEntries ?? DEFAULT_MAX_NODE_ENTRIES,
    }
  }

  /** Makes sure `node` is loaded; synchronous, or throws PendingBlock / MissingBlockError. */
  load(node: MstNode): void {
    if (node.entries !== undefined) return
    const got = this.store.getBytes(node.cid!)
    if (isPromiseLike<Uint8Array | null>(got)) throw new PendingBlock(node, got)
    this.fill(node, got)
  }

  async loadAsync(node: MstNode): Promise<void> {
    if (node.entries !== undefined) return
    this.fill(node, await this.store.getBytes(node.cid!))
  }

  fill(node: MstNode, bytes: Uint8Array | null): void {
    if (node.entries !== undefined) return
    if (bytes === null) throw new MissingBlockError(node.cid as CID, 'MST node')
    const isRoot = node.layer < 0
    decodeNodeInto(node, bytes, this.check)
    if (node.entries!.length === 0) {
      // repository.md: only the empty tree is an empty node without a subtree, and the top of
      // a tree is never an empty node that only points to a subtree.
      if (isRoot && node.left !== null) {
        throw new InvalidMstError(`MST root ${node.cid}: empty node pointing only to a subtree`)
      }
      if (!isRoot && node.left === null) throw new InvalidMstError(`MST node ${node.cid}: empty inner node`)
    }
  }

  /** Runs a synchronous tree operation, satisfying asynchronous loads between attempts. */
  async withLoads<T>(op: () => T): Promise<T> {
    for (;;) {
      try {
        return op()
      } catch (err) {
        if (!(err instanceof PendingBlock)) throw err
        this.fill(err.node, await err.pending)
      }
    }
  }
}

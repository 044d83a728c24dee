import type { CID } from '@welkin/data'

/** One key of a node, with the subtree of keys that sort after it (up to the next entry). */
export interface Entry {
  readonly key: string
  readonly value: CID
  readonly right: MstNode | null
  /**
   * Where the entry was parsed from: `src[at, end)` is its encoding, prefix-compressed against
   * the key `base`. Writing a node copies those bytes while the entry (never mutated: an edit
   * makes a new one) still follows a key equal to `base`.
   */
  readonly src?: Uint8Array
  readonly at?: number
  readonly end?: number
  readonly base?: string
}

/**
 * One MST node. A node is either a stub (only `cid` known; `entries` undefined until the loader
 * fills it in from the blockstore) or loaded. Loading only caches what the CID already fixes,
 * so nodes are shared freely between tree versions: every edit builds new nodes along its path
 * (`fresh`), whose CID and bytes are computed once, when first asked for.
 */
export class MstNode {
  /** Depth (0 = bottom). -1 only for a root stub, whose layer comes from its first key. */
  layer: number
  cid: CID | undefined
  /** Encoded node; kept only for fresh nodes (what a commit must store). */
  bytes: Uint8Array | undefined
  left: MstNode | null
  entries: readonly Entry[] | undefined
  readonly fresh: boolean

  private constructor(
    layer: number,
    cid: CID | undefined,
    left: MstNode | null,
    entries: readonly Entry[] | undefined,
    fresh: boolean,
  ) {
    this.layer = layer
    this.cid = cid
    this.bytes = undefined
    this.left = left
    this.entries = entries
    this.fresh = fresh
  }

  static stub(cid: CID, layer: number): MstNode {
    return new MstNode(layer, cid, null, undefined, false)
  }

  static build(layer: number, left: MstNode | null, entries: readonly Entry[]): MstNode {
    return new MstNode(layer, undefined, left, entries, true)
  }

  static empty(): MstNode {
    return MstNode.build(0, null, [])
  }

  get loaded(): boolean {
    return this.entries !== undefined
  }

  /** No entries and no subtree: the empty tree (as a root), or prunable (anywhere else). */
  isEmpty(): boolean {
    return this.entries!.length === 0 && this.left === null
  }
}

/** The subtree in gap `i`: before entry 0 it is `left`, else the right of entry i-1. */
export function gapChild(node: MstNode, i: number): MstNode | null {
  return i === 0 ? node.left : node.entries![i - 1].right
}

/** A copy of `node` with the subtree in gap `i` replaced. */
export function withGap(node: MstNode, i: number, child: MstNode | null): MstNode {
  if (gapChild(node, i) === child) return node
  if (i === 0) return MstNode.build(node.layer, child, node.entries!)
  const entries = node.entries!.slice()
  const e = entries[i - 1]
  entries[i - 1] = { key: e.key, value: e.value, right: child }
  return MstNode.build(node.layer, node.left, entries)
}

/** Index of the first entry whose key is >= `key` (entries are sorted). */
export function lowerBound(entries: readonly Entry[], key: string): number {
  let lo = 0
  let hi = entries.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (entries[mid].key < key) lo = mid + 1
    else hi = mid
  }
  return lo
}

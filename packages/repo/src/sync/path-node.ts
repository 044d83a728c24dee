// Slice nodes that an inversion only passes through. Undoing an op rewrites every node from
// the root down to the op's key, but above the key's layer it changes one subtree link per node
// and nothing else. Those nodes are kept as their checked bytes: the key is located by walking
// the prefix-compressed keys without building them, the one link is followed, and the new node
// is written as the old bytes with the link replaced. No entry, key string or CID is made for
// the rest of the node. Nodes where an edit really happens become ordinary MstNodes.
import { type CID, cidForCbor } from '@welkin/data'
import { nodeCid } from '../mst/codec.js'
import type { NodeLoader } from '../mst/loader.js'
import { MstNode, withGap } from '../mst/node.js'
import { linkCid, scanNode, scanned, valueAt } from '../mst/wire.js'

/** A subtree in the working tree: bytes passed through, an ordinary node, or none. */
export type Child = PathNode | MstNode | null

/** Thrown when the fast path meets anything it leaves to the generic inversion. */
export class Fallback extends Error {}

// What every version of one slice node shares: its bytes, where their parts are, and the
// subtrees met so far below its unchanged links.
interface RawNode {
  cid: CID
  bytes: Uint8Array
  root: boolean
  layer: number
  n: number
  offsets: number[]
  lAt: number
  kids: (Child | undefined)[]
  mst: MstNode | undefined
  // An op looks its key up, then edits along the same path: the last answer of findKey.
  lastKey: string | undefined
  lastFound: number
}

export class PathNode {
  /** Computed once, for the final tree. */
  cid: CID | undefined

  constructor(
    readonly raw: RawNode,
    /** Gaps (0: before the first entry, i: after entry i-1) whose subtree was replaced. */
    readonly gaps: readonly number[],
    readonly kids: readonly Child[],
  ) {
    this.cid = gaps.length === 0 ? raw.cid : undefined
  }

  get layer(): number {
    return this.raw.layer
  }
}

export interface PathContext {
  blocks: { get(cid: CID): Uint8Array | undefined }
  ld: NodeLoader
  maxEntries: number
}

/** The slice node `cid` as a PathNode; `layer` -1 for the root. */
export function pathNode(ctx: PathContext, cid: CID, layer: number): PathNode {
  const bytes = ctx.blocks.get(cid)
  if (bytes === undefined) throw new Fallback()
  const n = scanNode(bytes, layer, false, ctx.maxEntries, true)
  if (n < 0) throw new Fallback()
  const lAt = scanned.lAt
  // The shape rules of NodeLoader.fill: no empty root over a subtree, no empty inner node.
  const hasLeft = bytes[lAt] !== 0xf6
  if (n === 0 && (layer < 0 ? hasLeft : !hasLeft)) throw new Fallback()
  const raw: RawNode = {
    cid,
    bytes,
    root: layer < 0,
    layer: scanned.layer,
    n,
    offsets: scanned.offsets,
    lAt,
    kids: [],
    mst: undefined,
    lastKey: undefined,
    lastFound: 0,
  }
  return new PathNode(raw, NONE, NONE)
}

const NONE: readonly never[] = []

/**
 * Index of the first entry whose key is >= `key` (the gap the key falls in), times two, plus one
 * when that entry's key is `key`. The keys are walked in their compressed form, keeping `m`, the
 * length `key` shares with the previous key (which sorts below it). An entry sharing fewer
 * characters with its predecessor than that sorts above `key`; one sharing more sorts below it,
 * as its predecessor does; only one sharing exactly `m` needs its suffix compared.
 */
export function findKey(node: PathNode, key: string): number {
  const raw = node.raw
  if (raw.lastKey === key) return raw.lastFound
  const found = walkKeys(raw, key)
  raw.lastKey = key
  raw.lastFound = found
  return found
}

function walkKeys(raw: RawNode, key: string): number {
  const { bytes, n, offsets } = raw
  const klen = key.length
  let m = 0
  for (let i = 0; i < n; i++) {
    const o = 5 * i
    const p = offsets[o + 3]
    if (p < m) return 2 * i
    if (p > m) continue
    const ks = offsets[o + 1]
    const sl = offsets[o + 2]
    let j = 0
    while (j < sl && m + j < klen && bytes[ks + j] === key.charCodeAt(m + j)) j++
    if (j === sl) {
      if (m + j === klen) return 2 * i + 1
      m += j
      continue
    }
    if (m + j === klen || bytes[ks + j] > key.charCodeAt(m + j)) return 2 * i
    m += j
  }
  return 2 * n
}

/** The value of entry `i`. */
export function entryValue(node: PathNode, i: number): CID {
  const { bytes, offsets } = node.raw
  return linkCid(bytes, valueAt(bytes, offsets[5 * i + 4]))!
}

/**
 * The subtree in gap `g`. One that an op at `keyLayer` passes through comes as a PathNode, any
 * other as an MstNode stub for the generic loader.
 */
export function childAt(ctx: PathContext, node: PathNode, g: number, keyLayer: number): Child {
  const k = node.gaps.indexOf(g)
  if (k !== -1) return node.kids[k]
  const raw = node.raw
  const cached = raw.kids[g]
  if (cached !== undefined) return cached
  const cid = linkCid(raw.bytes, g === 0 ? raw.lAt : raw.offsets[5 * (g - 1) + 4])
  let child: Child = null
  if (cid !== null)
    child = keyLayer < raw.layer - 1 ? pathNode(ctx, cid, raw.layer - 1) : MstNode.stub(cid, raw.layer - 1)
  raw.kids[g] = child
  return child
}

/** The subtree in gap `g` as it stands (no child is made for it). */
function currentChild(node: PathNode, g: number): Child | undefined {
  const k = node.gaps.indexOf(g)
  if (k !== -1) return node.kids[k]
  const raw = node.raw
  if (raw.kids[g] !== undefined) return raw.kids[g]
  return raw.bytes[g === 0 ? raw.lAt : raw.offsets[5 * (g - 1) + 4]] === 0xf6 ? null : undefined
}

/** A version of `node` with the subtree in gap `g` replaced. */
export function withPatch(node: PathNode, g: number, child: Child): PathNode {
  if (currentChild(node, g) === child) return node
  const gaps = node.gaps.slice()
  const kids = node.kids.slice()
  const k = gaps.indexOf(g)
  if (k === -1) {
    gaps.push(g)
    kids.push(child)
  } else kids[k] = child
  return new PathNode(node.raw, gaps, kids)
}

/** Null for a node left with no entries and no subtree (as ops.ts prunes). */
export function pruned(node: PathNode | MstNode): Child {
  if (node instanceof MstNode) return node.entries!.length === 0 && node.left === null ? null : node
  return node.raw.n === 0 && currentChild(node, 0) === null ? null : node
}

/** `child` as an MstNode (with its replaced subtrees), for the generic tree edits. */
export function toMst(ctx: PathContext, child: PathNode | MstNode): MstNode {
  if (child instanceof MstNode) return child
  const raw = child.raw
  if (raw.mst === undefined) {
    raw.mst = MstNode.stub(raw.cid, raw.root ? -1 : raw.layer)
    ctx.ld.fill(raw.mst, raw.bytes)
  }
  let node = raw.mst
  for (let k = 0; k < child.gaps.length; k++) {
    const kid = child.kids[k]
    node = withGap(node, child.gaps[k], kid === null ? null : toMst(ctx, kid))
  }
  return node
}

let scratch = new Uint8Array(16 * 1024)

/** The CID of a working subtree (its new nodes are hashed, never kept). */
export function childCid(child: PathNode | MstNode): CID {
  if (child instanceof MstNode) return nodeCid(child, false)
  if (child.cid !== undefined) return child.cid
  const { raw, gaps, kids } = child
  const count = gaps.length
  // Where each replaced link sits, in byte order: the entries' `t` first, `l` (gap 0) last.
  const at: number[] = new Array(count)
  const links: (CID | null)[] = new Array(count)
  for (let k = 0; k < count; k++) {
    const g = gaps[k]
    const kid = kids[k]
    const a = g === 0 ? raw.lAt : raw.offsets[5 * (g - 1) + 4]
    const link = kid === null ? null : childCid(kid)
    let j = k
    for (; j > 0 && at[j - 1] > a; j--) {
      at[j] = at[j - 1]
      links[j] = links[j - 1]
    }
    at[j] = a
    links[j] = link
  }
  const src = raw.bytes
  const bound = src.length + 41 * count
  if (scratch.length < bound) scratch = new Uint8Array(Math.max(bound, scratch.length * 2))
  const b = scratch
  let from = 0
  let pos = 0
  for (let k = 0; k < count; k++) {
    const a = at[k]
    b.set(src.subarray(from, a), pos)
    pos += a - from
    const link = links[k]
    if (link === null) b[pos++] = 0xf6
    else {
      b[pos] = 0xd8
      b[pos + 1] = 0x2a
      b[pos + 2] = 0x58
      b[pos + 3] = 0x25
      b[pos + 4] = 0
      b.set(link.bytes, pos + 5)
      pos += 41
    }
    from = a + (src[a] === 0xf6 ? 1 : 41)
  }
  b.set(src.subarray(from), pos)
  pos += src.length - from
  child.cid = cidForCbor(b.subarray(0, pos))
  return child.cid
}

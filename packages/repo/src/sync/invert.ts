// Operation inversion (repository.md "Repository Diffs"): undo a commit's record operations on
// the partial tree of its CAR slice; the result's root must be the previous commit's `data`.
import type { BlockMap, CID } from '@welkin/data'
import { CommitVerificationError } from '../errors.js'
import { nodeCid } from '../mst/codec.js'
import { leadingZerosOnHash } from '../mst/key.js'
import { NodeLoader } from '../mst/loader.js'
import { MstNode } from '../mst/node.js'
import { type EXISTS, lookup, NOT_FOUND, put, putKey, raise, remove, removeKey } from '../mst/ops.js'
import {
  type Child,
  childAt,
  childCid,
  entryValue,
  Fallback,
  findKey,
  type PathContext,
  PathNode,
  pathNode,
  pruned,
  toMst,
  withPatch,
} from './path-node.js'

export type OpAction = 'create' | 'update' | 'delete'

export interface RecordOp {
  action: OpAction
  /** `collection/rkey`. */
  path: string
  /** The record after the commit (null for a delete). */
  cid: CID | null
  /** The record before the commit (for update and delete). */
  prev?: CID | null
}

function mismatch(op: RecordOp, found: CID | null): never {
  const expected = op.action === 'delete' ? 'absent' : `${op.cid}`
  throw new CommitVerificationError(
    'op-mismatch',
    `${op.action} ${op.path}: the commit's tree has ${found ? found.toString() : 'no record'}, expected ${expected}`,
  )
}

/**
 * Undoes `ops` (validated: distinct paths, cid/prev as their action requires) on the tree rooted
 * at `data`, whose nodes come from `blocks`, and returns the resulting root CID. `order` lists op
 * indexes in the order to undo them (default: last op first). Each op is first checked against
 * the commit's tree: a create or update must find its `cid` there, a delete must find nothing.
 *
 * Key layers are not re-hashed for every loaded node here: each undone edit only rewrites nodes
 * along its own path, and the caller compares the final root with the previous commit's `data`,
 * a tree already known to be canonical, so a misplaced key could only pass by a hash collision.
 */
export function invertOps(
  blocks: BlockMap,
  data: CID,
  ops: readonly RecordOp[],
  order?: readonly number[],
): CID {
  try {
    return invertFast(blocks, data, ops, order)
  } catch {
    // Something the fast path leaves alone (a bad node, a missing block, an op that does not
    // match): the generic inversion reaches the same answer, or throws the precise error.
  }
  return invertGeneric(blocks, data, ops, order)
}

/** invertOps on ordinary MST nodes: the reference, and what words the errors. */
export function invertGeneric(
  blocks: BlockMap,
  data: CID,
  ops: readonly RecordOp[],
  order?: readonly number[],
): CID {
  const ld = new NodeLoader({ getBytes: (cid) => blocks.get(cid) ?? null }, { checkLayers: false })
  let root = MstNode.stub(data, -1)
  const n = order ? order.length : ops.length
  for (let j = 0; j < n; j++) {
    const op = ops[order ? order[j] : ops.length - 1 - j]
    const layer = leadingZerosOnHash(op.path)
    const current = lookup(ld, root, op.path, layer)
    let next: MstNode | typeof NOT_FOUND | typeof EXISTS
    if (op.action === 'create') {
      if (current === null || !current.equals(op.cid!)) mismatch(op, current)
      next = removeKey(ld, root, op.path, layer)
    } else if (op.action === 'update') {
      if (current === null || !current.equals(op.cid!)) mismatch(op, current)
      next = putKey(ld, root, op.path, layer, op.prev!, 'update')
    } else {
      if (current !== null) mismatch(op, current)
      next = putKey(ld, root, op.path, layer, op.prev!, 'create')
    }
    if (typeof next === 'symbol') mismatch(op, current)
    root = next
  }
  return nodeCid(root, false)
}

/**
 * invertOps passing through the nodes above each op's key as bytes (path-node.ts), with the
 * generic edits below. Throws (Fallback or whatever the generic edits throw) on anything but
 * success; on success the root equals invertGeneric's.
 */
export function invertFast(
  blocks: BlockMap,
  data: CID,
  ops: readonly RecordOp[],
  order?: readonly number[],
): CID {
  const ld = new NodeLoader({ getBytes: (cid) => blocks.get(cid) ?? null }, { checkLayers: false })
  const ctx: PathContext = { blocks, ld, maxEntries: ld.check.maxEntries }
  let root: PathNode | MstNode = pathNode(ctx, data, -1)
  const n = order ? order.length : ops.length
  for (let j = 0; j < n; j++) {
    const op = ops[order ? order[j] : ops.length - 1 - j]
    const layer = leadingZerosOnHash(op.path)
    const current = find(ctx, root, op.path, layer)
    let next: PathNode | MstNode | typeof NOT_FOUND | typeof EXISTS
    if (op.action === 'create') {
      if (current === null || !current.equals(op.cid!)) throw new Fallback()
      next = removeBelow(ctx, root, op.path, layer, true)
    } else if (op.action === 'update') {
      if (current === null || !current.equals(op.cid!)) throw new Fallback()
      next = putBelow(ctx, root, op.path, layer, op.prev!, 'update', true)
    } else {
      if (current !== null) throw new Fallback()
      next = putBelow(ctx, root, op.path, layer, op.prev!, 'create', true)
    }
    if (typeof next === 'symbol') throw new Fallback()
    root = next
  }
  return childCid(root)
}

/** ops.ts `lookup`, passing through PathNodes. */
function find(ctx: PathContext, start: Child, key: string, keyLayer: number): CID | null {
  let node = start
  while (node !== null) {
    if (node instanceof MstNode) return lookup(ctx.ld, node, key, keyLayer)
    if (keyLayer > node.layer) return null
    const f = findKey(node, key)
    if (keyLayer === node.layer) return (f & 1) === 1 ? entryValue(node, f >> 1) : null
    node = childAt(ctx, node, f >> 1, keyLayer)
  }
  return null
}

/** ops.ts `put` (`putKey` at the root), passing through PathNodes above the key's layer. */
function putBelow(
  ctx: PathContext,
  node: PathNode | MstNode,
  key: string,
  keyLayer: number,
  value: CID,
  mode: 'create' | 'update',
  isRoot: boolean,
): PathNode | MstNode | typeof NOT_FOUND | typeof EXISTS {
  if (node instanceof PathNode && keyLayer < node.layer) {
    const i = findKey(node, key) >> 1
    const child = childAt(ctx, node, i, keyLayer)
    if (child === null) {
      if (mode === 'update') return NOT_FOUND
      const leaf = MstNode.build(keyLayer, null, [{ key, value, right: null }])
      return withPatch(node, i, raise(leaf, keyLayer, node.layer - 1))
    }
    const next = putBelow(ctx, child, key, keyLayer, value, mode, false)
    if (typeof next === 'symbol') return next
    return withPatch(node, i, next)
  }
  const mst = toMst(ctx, node)
  return isRoot
    ? putKey(ctx.ld, mst, key, keyLayer, value, mode)
    : put(ctx.ld, mst, key, keyLayer, value, mode)
}

/** ops.ts `remove` (`removeKey` at the root), passing through PathNodes above the key's layer. */
function removeBelow(
  ctx: PathContext,
  node: PathNode | MstNode,
  key: string,
  keyLayer: number,
  isRoot: boolean,
): PathNode | MstNode | typeof NOT_FOUND {
  // A root passed through keeps its entries, so it needs none of removeKey's trimming.
  if (node instanceof PathNode && keyLayer < node.layer) {
    const i = findKey(node, key) >> 1
    const child = childAt(ctx, node, i, keyLayer)
    if (child === null) return NOT_FOUND
    const next = removeBelow(ctx, child, key, keyLayer, false)
    if (next === NOT_FOUND) return NOT_FOUND
    return withPatch(node, i, pruned(next))
  }
  const mst = toMst(ctx, node)
  return isRoot ? removeKey(ctx.ld, mst, key, keyLayer) : remove(ctx.ld, mst, key, keyLayer)
}

// The tree edits, written synchronously over a NodeLoader. Each keeps the canonical shape
// (repository.md "MST Structure"): a key lives in the node of its own layer, subtree links
// never skip a layer (empty inner nodes bridge the gap), and the top is trimmed, so one set of
// keys gives one root whatever the history of edits.
import type { CID } from '@welkin/data'
import { InvalidMstError } from '../errors.js'
import type { NodeLoader } from './loader.js'
import { type Entry, gapChild, lowerBound, MstNode, withGap } from './node.js'

/** Returned by edits when the key is absent (delete, update) or present (create). */
export const NOT_FOUND = Symbol('not found')
export const EXISTS = Symbol('exists')

/** The node, or null when it has no entries and no subtree. */
export function prune(node: MstNode): MstNode | null {
  return node.entries!.length === 0 && node.left === null ? null : node
}

/** Wraps a subtree of `layer` in empty nodes up to `target`, so a link never skips a layer. */
export function raise(node: MstNode | null, layer: number, target: number): MstNode | null {
  if (node === null) return null
  let n = node
  for (let l = layer + 1; l <= target; l++) n = MstNode.build(l, n, [])
  return n
}

/** The value of `key`, or null; `visit` sees each node on the way (a proof of either). */
export function lookup(
  ld: NodeLoader,
  root: MstNode,
  key: string,
  keyLayer: number,
  visit?: (node: MstNode) => void,
): CID | null {
  let node: MstNode | null = root
  while (node !== null) {
    ld.load(node)
    visit?.(node)
    if (keyLayer > node.layer) return null
    const entries = node.entries!
    const i = lowerBound(entries, key)
    if (keyLayer === node.layer) return i < entries.length && entries[i].key === key ? entries[i].value : null
    node = gapChild(node, i)
  }
  return null
}

/** Splits a subtree into the keys below and above `key` (which it must not contain). */
export function split(ld: NodeLoader, node: MstNode | null, key: string): [MstNode | null, MstNode | null] {
  if (node === null) return [null, null]
  ld.load(node)
  const entries = node.entries!
  const i = lowerBound(entries, key)
  if (i < entries.length && entries[i].key === key) {
    throw new InvalidMstError(`key ${key} found below its own layer`)
  }
  const child = gapChild(node, i)
  const [lo, hi] = split(ld, child, key)
  if (i === entries.length && lo === child) return [node, null]
  if (i === 0 && hi === child) return [null, node]
  const leftPart = withGap(MstNode.build(node.layer, node.left, entries.slice(0, i)), i, lo)
  const rightPart = MstNode.build(node.layer, hi, entries.slice(i))
  return [prune(leftPart), prune(rightPart)]
}

/** Joins two adjacent subtrees of the same layer (every key of `a` below every key of `b`). */
export function merge(ld: NodeLoader, a: MstNode | null, b: MstNode | null): MstNode | null {
  if (a === null) return b
  if (b === null) return a
  ld.load(a)
  ld.load(b)
  const ae = a.entries!
  const seam = merge(ld, gapChild(a, ae.length), b.left)
  const joined = withGap(MstNode.build(a.layer, a.left, ae), ae.length, seam)
  const entries = joined.entries!.concat(b.entries!)
  return MstNode.build(a.layer, joined.left, entries)
}

/** Inserts or replaces below `node` (key layer <= node layer). `mode` restricts to create/update. */
export function put(
  ld: NodeLoader,
  node: MstNode,
  key: string,
  keyLayer: number,
  value: CID,
  mode: 'create' | 'update' | 'put',
): MstNode | typeof NOT_FOUND | typeof EXISTS {
  ld.load(node)
  const entries = node.entries!
  const i = lowerBound(entries, key)
  if (keyLayer === node.layer) {
    if (i < entries.length && entries[i].key === key) {
      if (mode === 'create') return EXISTS
      const copy = entries.slice()
      const e = entries[i]
      copy[i] = { key, value, right: e.right }
      return MstNode.build(node.layer, node.left, copy)
    }
    if (mode === 'update') return NOT_FOUND
    const [lo, hi] = split(ld, gapChild(node, i), key)
    const withLo = withGap(node, i, lo)
    const copy: Entry[] = withLo.entries!.slice()
    copy.splice(i, 0, { key, value, right: hi })
    return MstNode.build(node.layer, withLo.left, copy)
  }
  const child = gapChild(node, i)
  if (child === null) {
    if (mode === 'update') return NOT_FOUND
    const leaf = MstNode.build(keyLayer, null, [{ key, value, right: null }])
    return withGap(node, i, raise(leaf, keyLayer, node.layer - 1))
  }
  const next = put(ld, child, key, keyLayer, value, mode)
  if (typeof next === 'symbol') return next
  return withGap(node, i, next)
}

/** Sets `key` in the tree rooted at `root`, returning the new root. */
export function putKey(
  ld: NodeLoader,
  root: MstNode,
  key: string,
  keyLayer: number,
  value: CID,
  mode: 'create' | 'update' | 'put',
): MstNode | typeof NOT_FOUND | typeof EXISTS {
  ld.load(root)
  if (keyLayer <= root.layer) return put(ld, root, key, keyLayer, value, mode)
  if (mode === 'update') return NOT_FOUND
  if (root.isEmpty()) return MstNode.build(keyLayer, null, [{ key, value, right: null }])
  // The key outranks the whole tree: it becomes the new top, with the old tree split under it.
  const [lo, hi] = split(ld, root, key)
  return MstNode.build(keyLayer, raise(lo, root.layer, keyLayer - 1), [
    { key, value, right: raise(hi, root.layer, keyLayer - 1) },
  ])
}

/** Deletes `key` below `node`, returning the new node (untrimmed; it may be left empty). */
export function remove(
  ld: NodeLoader,
  node: MstNode,
  key: string,
  keyLayer: number,
): MstNode | typeof NOT_FOUND {
  ld.load(node)
  if (keyLayer > node.layer) return NOT_FOUND
  const entries = node.entries!
  const i = lowerBound(entries, key)
  if (keyLayer === node.layer) {
    if (i >= entries.length || entries[i].key !== key) return NOT_FOUND
    const joined = merge(ld, gapChild(node, i), entries[i].right)
    const copy = entries.slice()
    copy.splice(i, 1)
    return withGap(MstNode.build(node.layer, node.left, copy), i, joined)
  }
  const child = gapChild(node, i)
  if (child === null) return NOT_FOUND
  const next = remove(ld, child, key, keyLayer)
  if (next === NOT_FOUND) return NOT_FOUND
  return withGap(node, i, prune(next))
}

/** Deletes `key`, returning the new root (trimmed: the top is never an empty pass-through). */
export function removeKey(
  ld: NodeLoader,
  root: MstNode,
  key: string,
  keyLayer: number,
): MstNode | typeof NOT_FOUND {
  const next = remove(ld, root, key, keyLayer)
  if (next === NOT_FOUND) return NOT_FOUND
  let top = next
  while (top.entries!.length === 0 && top.left !== null) {
    top = top.left
    ld.load(top)
  }
  return top.entries!.length === 0 ? MstNode.empty() : top
}

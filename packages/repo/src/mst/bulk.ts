import type { CID } from '@welkin/data'
import { InvalidWriteError } from '../errors.js'
import { ensureValidMstKey, leadingZerosOnHash } from './key.js'
import { MstNode } from './node.js'

interface Item {
  key: string
  value: CID
  layer: number
}

interface MutableEntry {
  key: string
  value: CID
  right: MstNode | null
}

/** Builds the canonical tree of a set of entries directly, without one edit per key. */
export function buildFromSorted(input: Iterable<{ key: string; cid: CID }>): MstNode {
  const items: Item[] = []
  let top = 0
  for (const { key, cid } of input) {
    ensureValidMstKey(key)
    const layer = leadingZerosOnHash(key)
    if (layer > top) top = layer
    items.push({ key, value: cid, layer })
  }
  items.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  for (let i = 1; i < items.length; i++) {
    if (items[i].key === items[i - 1].key) throw new InvalidWriteError(`duplicate MST key ${items[i].key}`)
  }
  return build(items, 0, items.length, top) ?? MstNode.empty()
}

// Keys of `layer` in [start, end) become the node's entries; the runs between them, subtrees.
function build(items: Item[], start: number, end: number, layer: number): MstNode | null {
  if (start === end) return null
  let left: MstNode | null = null
  const entries: MutableEntry[] = []
  let gapStart = start
  for (let i = start; i < end; i++) {
    if (items[i].layer !== layer) continue
    const child = build(items, gapStart, i, layer - 1)
    if (entries.length === 0) left = child
    else entries[entries.length - 1].right = child
    entries.push({ key: items[i].key, value: items[i].value, right: null })
    gapStart = i + 1
  }
  const child = build(items, gapStart, end, layer - 1)
  if (entries.length === 0) left = child
  else entries[entries.length - 1].right = child
  return MstNode.build(layer, left, entries)
}

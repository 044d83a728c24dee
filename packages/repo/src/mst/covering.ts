import type { NodeLoader } from './loader.js'
import { gapChild, lowerBound, type MstNode } from './node.js'

/**
 * The nodes of a tree a consumer needs to undo an edit of `key` by operation inversion
 * (repository.md "Repository Diffs"): the path to the key; for a key that is present, also the
 * inner edges of the subtrees on either side of it (the seams that a deletion merges, down to
 * the neighbouring keys); for an absent key, the path continues through every node whose range
 * holds the key, since an insertion splits them all. `updateOnly` is for an edit that only
 * changes the value, which needs the path alone.
 */
export function coveringNodes(
  ld: NodeLoader,
  root: MstNode,
  key: string,
  updateOnly: boolean,
  visit: (node: MstNode) => void,
): void {
  let node: MstNode | null = root
  while (node !== null) {
    ld.load(node)
    visit(node)
    const entries = node.entries!
    const i = lowerBound(entries, key)
    if (i < entries.length && entries[i].key === key) {
      if (updateOnly) return
      edge(ld, gapChild(node, i), true, visit)
      edge(ld, entries[i].right, false, visit)
      return
    }
    node = gapChild(node, i)
  }
}

function edge(
  ld: NodeLoader,
  start: MstNode | null,
  rightmost: boolean,
  visit: (node: MstNode) => void,
): void {
  let node = start
  while (node !== null) {
    ld.load(node)
    visit(node)
    node = rightmost ? gapChild(node, node.entries!.length) : node.left
  }
}

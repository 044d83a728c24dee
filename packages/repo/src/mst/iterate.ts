import { InvalidMstError } from '../errors.js'
import type { NodeLoader } from './loader.js'
import { type Entry, gapChild, lowerBound, type MstNode } from './node.js'

/**
 * Entries of a subtree in key order (or reverse), limited to lo <= key < hi. Only subtrees whose
 * key range meets the bounds are loaded.
 */
export async function* iterateEntries(
  ld: NodeLoader,
  node: MstNode | null,
  lo: string | undefined,
  hi: string | undefined,
  reverse: boolean,
  seen: Set<string> = new Set(),
): AsyncGenerator<Entry> {
  if (node === null) return
  if (node.cid !== undefined) {
    // A tree links each node once; a hostile DAG linking one node everywhere would make a
    // listing exponential.
    if (seen.has(node.cid.key)) throw new InvalidMstError(`MST node ${node.cid} is linked more than once`)
    seen.add(node.cid.key)
  }
  await ld.loadAsync(node)
  const entries = node.entries!
  // Gaps first..last (and entries between them) can hold keys in [lo, hi).
  const first = lo === undefined ? 0 : lowerBound(entries, lo)
  const last = hi === undefined ? entries.length : lowerBound(entries, hi)
  if (!reverse) {
    for (let i = first; i <= last; i++) {
      yield* iterateEntries(
        ld,
        gapChild(node, i),
        i === first ? lo : undefined,
        i === last ? hi : undefined,
        false,
        seen,
      )
      if (i < last) yield entries[i]
    }
  } else {
    for (let i = last; i >= first; i--) {
      if (i < last) yield entries[i]
      yield* iterateEntries(
        ld,
        gapChild(node, i),
        i === first ? lo : undefined,
        i === last ? hi : undefined,
        true,
        seen,
      )
    }
  }
}

import type { CID } from '@welkin/data'
import type { ReadableBlockstore } from '../blockstore.js'
import { InvalidMstError, MissingBlockError } from '../errors.js'
import { type MstOptions, NodeLoader } from './loader.js'
import { MstNode } from './node.js'

export type WalkItem =
  | { type: 'node'; cid: CID; bytes: Uint8Array; layer: number }
  | { type: 'leaf'; key: string; cid: CID }

/**
 * Streams a stored tree in the order of repository.md "Streamable CAR Block Ordering": each
 * node, then its slots left to right (a subtree recursively, or an entry's leaf). Checks every
 * node as it goes, including that a subtree's keys fall between its neighbours in the parent
 * and that no node is reached twice (which a tree cannot do, but a hostile DAG could, to make
 * a small CAR walk forever).
 */
export async function* walkTree(
  store: ReadableBlockstore,
  root: CID,
  opts: MstOptions = {},
): AsyncGenerator<WalkItem> {
  const ld = new NodeLoader(store, opts)
  const seen = new Set<string>()

  async function* visit(
    node: MstNode,
    lo: string | undefined,
    hi: string | undefined,
  ): AsyncGenerator<WalkItem> {
    const cid = node.cid!
    const id = cid.toString()
    if (seen.has(cid.key)) throw new InvalidMstError(`MST node ${id} is linked more than once`)
    seen.add(cid.key)
    const bytes = await store.getBytes(cid)
    if (bytes === null) throw new MissingBlockError(cid, 'MST node')
    ld.fill(node, bytes)
    const entries = node.entries!
    if (entries.length > 0) {
      if (lo !== undefined && !(entries[0].key > lo)) {
        throw new InvalidMstError(`MST node ${id}: key ${entries[0].key} sorts before its parent's range`)
      }
      if (hi !== undefined && !(entries[entries.length - 1].key < hi)) {
        throw new InvalidMstError(
          `MST node ${id}: key ${entries[entries.length - 1].key} sorts after its parent's range`,
        )
      }
    }
    yield { type: 'node', cid, bytes, layer: node.layer }
    if (node.left) yield* visit(node.left, lo, entries.length > 0 ? entries[0].key : hi)
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]
      yield { type: 'leaf', key: e.key, cid: e.value }
      if (e.right) yield* visit(e.right, e.key, i + 1 < entries.length ? entries[i + 1].key : hi)
    }
  }

  yield* visit(MstNode.stub(root, -1), undefined, undefined)
}

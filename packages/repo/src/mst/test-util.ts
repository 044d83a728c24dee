// Helpers shared by this package's tests (not exported from the package).
import { type CID, cidForCbor, encodeCbor } from '@welkin/data'
import { MemoryBlockstore } from '../blockstore.js'
import { MST } from './mst.js'

/** A distinct record CID per label. */
export function leafCid(label: string | number): CID {
  return cidForCbor(encodeCbor({ $type: 'test.record', label: String(label) }))
}

/** The tree of `keys` (value = leafCid(key)), stored, then reloaded lazily from the store. */
export function storedTree(
  entries: Iterable<{ key: string; cid: CID }>,
  store = new MemoryBlockstore(),
): MST {
  const built = MST.fromEntries(entries)
  store.putBlocks(built.getUnstoredBlocks().blocks)
  return MST.load(store, built.getPointer())
}

/** Persists the new nodes of `tree` and reloads it, so later edits see only stored nodes. */
export function persist(tree: MST, store: MemoryBlockstore): MST {
  const { root, blocks } = tree.getUnstoredBlocks()
  store.putBlocks(blocks)
  return MST.load(store, root)
}

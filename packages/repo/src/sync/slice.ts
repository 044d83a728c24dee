import { BlockMap } from '@welkin/data'
import { MissingBlockError } from '../errors.js'
import { nodeCid } from '../mst/codec.js'
import { coveringNodes } from '../mst/covering.js'
import type { MST } from '../mst/mst.js'
import type { MstNode } from '../mst/node.js'
import type { RecordOp } from './invert.js'

/**
 * The MST nodes a commit's CAR slice needs besides the new ones (repository.md "Repository
 * Diffs"): for each op, the nodes of the new tree that undoing it touches, in whatever order
 * the ops are undone. Adds them (with their bytes; fresh nodes get encoded) to `into`.
 */
export async function addInversionNodes(
  tree: MST,
  ops: readonly Pick<RecordOp, 'action' | 'path'>[],
  into: BlockMap = new BlockMap(),
): Promise<BlockMap> {
  const nodes = new Map<string, MstNode>()
  for (const op of ops) {
    await tree.loader.withLoads(() =>
      coveringNodes(tree.loader, tree.root, op.path, op.action === 'update', (n) => {
        nodes.set(nodeCid(n).key, n)
      }),
    )
  }
  for (const node of nodes.values()) {
    const cid = nodeCid(node)
    if (into.has(cid)) continue
    const bytes = node.bytes ?? (await tree.loader.store.getBytes(cid))
    if (!bytes) throw new MissingBlockError(cid, 'MST node')
    into.set(cid, bytes)
  }
  return into
}

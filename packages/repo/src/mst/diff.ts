import { BlockMap, type CID } from '@welkin/data'
import { isPromiseLike } from '../blockstore.js'
import { InvalidMstError, MissingBlockError } from '../errors.js'
import { encodeNode, nodeCid } from './codec.js'
import type { NodeLoader } from './loader.js'
import type { MST, MstEntry } from './mst.js'
import type { MstNode } from './node.js'

export interface TreeDiff {
  adds: MstEntry[]
  updates: { key: string; prev: CID; cid: CID }[]
  deletes: { key: string; cid: CID }[]
  /** Nodes of the target tree that the base tree lacks. */
  newMstBlocks: BlockMap
  /** Nodes of the base tree that the target tree lacks. */
  removedMstCids: CID[]
  /** Values (record CIDs) of the adds and updates. */
  newLeafCids: CID[]
}

interface Side {
  tree: MST
  byLayer: Map<number, MstNode[]>
}

function children(node: MstNode): MstNode[] {
  const out: MstNode[] = []
  if (node.left) out.push(node.left)
  for (const e of node.entries!) if (e.right) out.push(e.right)
  return out
}

// A node is linked once in a tree; a DAG that links one many times could blow up the layers.
function distinctIds(nodes: MstNode[]): Set<string> {
  const ids = new Set<string>()
  for (const n of nodes) {
    const id = nodeCid(n).key
    if (ids.has(id)) throw new InvalidMstError(`MST node ${nodeCid(n)} is linked more than once`)
    ids.add(id)
  }
  return ids
}

function enqueue(side: Side, layer: number, nodes: MstNode[]): void {
  const list = side.byLayer.get(layer)
  if (list) list.push(...nodes)
  else side.byLayer.set(layer, nodes)
}

/**
 * What changed from `from` (null: the empty tree) to `to`. A node's layer and CID depend only
 * on its keys, so the trees are compared one layer at a time from the top: a node present in
 * both is skipped with its whole subtree, and a key of layer L can only have changed if it sits
 * in a node of layer L that is not shared. Cost is proportional to the changed nodes.
 */
export async function diffTrees(from: MST | null, to: MST): Promise<TreeDiff> {
  const diff: TreeDiff = {
    adds: [],
    updates: [],
    deletes: [],
    newMstBlocks: new BlockMap(),
    removedMstCids: [],
    newLeafCids: [],
  }
  const a: Side | null = from ? { tree: from, byLayer: new Map() } : null
  const b: Side = { tree: to, byLayer: new Map() }
  await to.loader.loadAsync(to.root)
  enqueue(b, to.root.layer, [to.root])
  let top = to.root.layer
  if (a) {
    await a.tree.loader.loadAsync(a.tree.root)
    enqueue(a, a.tree.root.layer, [a.tree.root])
    top = Math.max(top, a.tree.root.layer)
  }
  for (let layer = top; layer >= 0; layer--) {
    const candA = a?.byLayer.get(layer) ?? []
    const candB = b.byLayer.get(layer) ?? []
    const idsA = distinctIds(candA)
    const idsB = distinctIds(candB)
    const keysA = new Map<string, CID>()
    for (const node of candA) {
      if (idsB.has(nodeCid(node).key)) continue
      await a!.tree.loader.loadAsync(node)
      diff.removedMstCids.push(nodeCid(node))
      for (const e of node.entries!) keysA.set(e.key, e.value)
      enqueue(a!, layer - 1, children(node))
    }
    for (const node of candB) {
      const cid = nodeCid(node)
      if (idsA.has(cid.key)) continue
      await to.loader.loadAsync(node)
      const bytes = node.bytes ?? (await to.loader.store.getBytes(cid))
      if (!bytes) throw new MissingBlockError(cid, 'MST node')
      diff.newMstBlocks.set(cid, bytes)
      for (const e of node.entries!) {
        const prev = keysA.get(e.key)
        if (prev === undefined) diff.adds.push({ key: e.key, cid: e.value })
        else {
          keysA.delete(e.key)
          if (!prev.equals(e.value)) diff.updates.push({ key: e.key, prev, cid: e.value })
        }
      }
      enqueue(b, layer - 1, children(node))
    }
    for (const [key, cid] of keysA) diff.deletes.push({ key, cid })
  }
  const byKey = (x: { key: string }, y: { key: string }) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0)
  diff.adds.sort(byKey)
  diff.updates.sort(byKey)
  diff.deletes.sort(byKey)
  diff.newLeafCids = [...diff.adds.map((e) => e.cid), ...diff.updates.map((e) => e.cid)]
  return diff
}

/** The node half of a TreeDiff: what a commit stores and what it leaves to garbage collection. */
export interface NodeDiff {
  /** Nodes of the target tree that the base tree lacks, with their bytes. */
  newMstBlocks: BlockMap
  /** Nodes of the base tree that the target tree lacks. */
  removedMstCids: CID[]
}

const NO_NODES: readonly MstNode[] = []

/** Loads `node` now when the store answers synchronously; else returns the wait. */
function loadNode(ld: NodeLoader, node: MstNode): Promise<void> | undefined {
  if (node.entries !== undefined) return undefined
  const got = ld.store.getBytes(node.cid!)
  if (isPromiseLike<Uint8Array | null>(got)) return Promise.resolve(got).then((b) => ld.fill(node, b))
  ld.fill(node, got)
  return undefined
}

function pushChildren(node: MstNode, into: MstNode[]): void {
  if (node.left !== null) into.push(node.left)
  const entries = node.entries!
  for (let i = 0; i < entries.length; i++) {
    const right = entries[i].right
    if (right !== null) into.push(right)
  }
}

/**
 * The nodes diffTrees would report, without the key lists, for the common case of a target
 * edited from its base: the same layer-by-layer walk, but synchronous whenever the stores are,
 * and a node object the two trees share (an edit keeps every subtree it does not touch) is
 * skipped before any CID is looked at. Cost is proportional to the nodes on the edited paths
 * and their direct children.
 */
export async function diffNodes(from: MST | null, to: MST): Promise<NodeDiff> {
  const out: NodeDiff = { newMstBlocks: new BlockMap(), removedMstCids: [] }
  const lda = from?.loader
  const ldb = to.loader
  const waitB = loadNode(ldb, to.root)
  if (waitB) await waitB
  let curA: readonly MstNode[] = NO_NODES
  let layerA = -1
  if (from) {
    const waitA = loadNode(lda!, from.root)
    if (waitA) await waitA
    curA = [from.root]
    layerA = from.root.layer
  }
  let curB: readonly MstNode[] = [to.root]
  let layerB = to.root.layer
  for (let layer = Math.max(layerA, layerB); layer >= 0; layer--) {
    const a = layerA === layer ? curA : NO_NODES
    const b = layerB === layer ? curB : NO_NODES
    if (a.length === 0 && b.length === 0) break
    const shared = a.length > 0 && b.length > 0 ? new Set<MstNode>(a) : undefined
    // The nodes of `a` that no node object of `b` is, by CID.
    const onlyA = new Map<string, MstNode>()
    const onlyB: MstNode[] = []
    for (const n of b) if (shared === undefined || !shared.delete(n)) onlyB.push(n)
    for (const n of shared ?? a) {
      const key = nodeCid(n).key
      if (onlyA.has(key)) throw new InvalidMstError(`MST node ${nodeCid(n)} is linked more than once`)
      onlyA.set(key, n)
    }
    const nextA: MstNode[] = []
    const nextB: MstNode[] = []
    const seenB = new Set<string>()
    for (const n of onlyB) {
      const cid = nodeCid(n)
      const key = cid.key
      if (seenB.has(key)) throw new InvalidMstError(`MST node ${cid} is linked more than once`)
      seenB.add(key)
      if (onlyA.delete(key)) continue
      const wait = loadNode(ldb, n)
      if (wait) await wait
      let bytes: Uint8Array | null | undefined = n.bytes
      if (bytes === undefined) {
        if (n.fresh) bytes = encodeNode(n)
        else {
          const got = ldb.store.getBytes(cid)
          bytes = isPromiseLike<Uint8Array | null>(got) ? await got : got
        }
      }
      if (!bytes) throw new MissingBlockError(cid, 'MST node')
      out.newMstBlocks.set(cid, bytes)
      pushChildren(n, nextB)
    }
    for (const n of onlyA.values()) {
      const wait = loadNode(lda!, n)
      if (wait) await wait
      out.removedMstCids.push(nodeCid(n))
      pushChildren(n, nextA)
    }
    if (layerA === layer) {
      curA = nextA
      layerA = layer - 1
    }
    if (layerB === layer) {
      curB = nextB
      layerB = layer - 1
    }
  }
  return out
}

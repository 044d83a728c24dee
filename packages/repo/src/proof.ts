// Record proofs: the commit and the MST nodes from the root down to where a key is, or would
// be — what `com.atproto.sync.getRecord` serves, verifiable by anyone holding the signing key.
import type { PublicKey } from '@welkin/crypto'
import { BlockMap, type CID, type DataValue, decodeCbor, readCarSync } from '@welkin/data'
import type { ReadableBlockstore } from './blockstore.js'
import { type Commit, decodeCommit, verifyCommitSignature } from './commit.js'
import { InvalidProofError, MissingBlockError, RepoError } from './errors.js'
import { leadingZerosOnHash, mstKeyProblem } from './mst/key.js'
import { NodeLoader } from './mst/loader.js'
import { gapChild, lowerBound, MstNode } from './mst/node.js'
import { lookup } from './mst/ops.js'

export interface RecordProof {
  /** The commit CID (the CAR root). */
  commit: CID
  /** Commit block, path nodes, and the record block when the record exists. */
  blocks: BlockMap
}

function pathOf(collection: string, rkey: string): string {
  const path = `${collection}/${rkey}`
  const problem = mstKeyProblem(path)
  if (problem !== undefined) throw new RepoError(`bad record path ${path}: ${problem}`)
  return path
}

/** Proof that `collection/rkey` holds its current record at `commitCid`, or that it is absent. */
export async function getRecordProof(
  store: ReadableBlockstore,
  commitCid: CID,
  collection: string,
  rkey: string,
): Promise<RecordProof> {
  const path = pathOf(collection, rkey)
  const blocks = new BlockMap()
  const commitBytes = await store.getBytes(commitCid)
  if (!commitBytes) throw new MissingBlockError(commitCid, 'commit')
  blocks.set(commitCid, commitBytes)
  const commit = decodeCommit(commitBytes)
  const ld = new NodeLoader(store, { checkLayers: false })
  const root = MstNode.stub(commit.data, -1)
  const nodes: CID[] = []
  const value = await ld.withLoads(() => {
    nodes.length = 0
    return coveringPath(ld, root, path, (n) => nodes.push(n.cid!))
  })
  for (const cid of nodes) {
    const bytes = await store.getBytes(cid)
    if (!bytes) throw new MissingBlockError(cid, 'MST node')
    blocks.set(cid, bytes)
  }
  if (value) {
    const bytes = await store.getBytes(value)
    if (!bytes) throw new MissingBlockError(value, 'record')
    blocks.set(value, bytes)
  }
  return { commit: commitCid, blocks }
}

/**
 * The nodes a reader needs to find `key` without knowing its layer: down through the gap where
 * the key sorts until it is found or there is no subtree left. For an absent key this goes deeper
 * than a layer-aware lookup would, because readers such as the official implementation prove
 * absence by descending to the bottom; a proof that stopped early would look incomplete to them.
 */
function coveringPath(
  ld: NodeLoader,
  root: MstNode,
  key: string,
  visit: (node: MstNode) => void,
): CID | null {
  let node: MstNode | null = root
  while (node !== null) {
    ld.load(node)
    visit(node)
    const entries = node.entries!
    const i = lowerBound(entries, key)
    if (i < entries.length && entries[i].key === key) return entries[i].value
    node = gapChild(node, i)
  }
  return null
}

export interface ProvenRecord {
  commit: Commit
  /** The record's CID, or null when the proof shows it absent. */
  cid: CID | null
  /** The record, when its block was in the proof. */
  record: DataValue | null
}

/**
 * Checks a record proof (a CAR, or its root and blocks): the commit's DID and signature, then the
 * path from the tree root to the key, each node checked (key order and layers). Returns what the
 * proof shows; throws InvalidProofError when it shows nothing.
 */
export function verifyRecordProof(
  proof: Uint8Array | RecordProof,
  opts: { did: string; key: PublicKey | string; collection: string; rkey: string },
): ProvenRecord {
  let root: CID
  let blocks: BlockMap
  try {
    if (proof instanceof Uint8Array) {
      const car = readCarSync(proof)
      if (car.roots.length === 0) throw new InvalidProofError('proof CAR has no root')
      root = car.roots[0]
      blocks = car.blocks
    } else {
      root = proof.commit
      blocks = proof.blocks
    }
    const path = pathOf(opts.collection, opts.rkey)
    const commitBytes = blocks.get(root)
    if (!commitBytes) throw new InvalidProofError(`proof lacks its commit block ${root}`)
    const commit = decodeCommit(commitBytes)
    if (commit.did !== opts.did)
      throw new InvalidProofError(`proof commit is for ${commit.did}, not ${opts.did}`)
    if (!verifyCommitSignature(commit, opts.key))
      throw new InvalidProofError('proof commit signature is invalid')
    const ld = new NodeLoader({ getBytes: (cid) => blocks.get(cid) ?? null }, { checkLayers: true })
    const cid = lookup(ld, MstNode.stub(commit.data, -1), path, leadingZerosOnHash(path))
    const bytes = cid ? blocks.get(cid) : undefined
    return { commit, cid, record: bytes ? decodeCbor(bytes) : null }
  } catch (err) {
    if (err instanceof InvalidProofError) throw err
    throw new InvalidProofError(`record proof does not verify: ${(err as Error).message}`, { cause: err })
  }
}

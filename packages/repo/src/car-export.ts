import { type CID, encodeCar, writeCar } from '@welkin/data'
import type { ReadableBlockstore } from './blockstore.js'
import { decodeCommit } from './commit.js'
import { MissingBlockError } from './errors.js'
import { walkTree } from './mst/walk.js'
import type { CommitData } from './repo.js'

/** Blocks of a full repo in the streamable order of repository.md: commit, then the tree pre-order. */
export async function* repoBlocks(
  store: ReadableBlockstore,
  commitCid: CID,
): AsyncGenerator<{ cid: CID; bytes: Uint8Array }> {
  const commitBytes = await store.getBytes(commitCid)
  if (!commitBytes) throw new MissingBlockError(commitCid, 'commit')
  yield { cid: commitCid, bytes: commitBytes }
  const commit = decodeCommit(commitBytes, `commit ${commitCid}`)
  // Our own store: structure is trusted, so skip re-hashing keys. A record shared by several
  // paths is written once.
  const sent = new Set<string>()
  for await (const item of walkTree(store, commit.data, { checkLayers: false })) {
    if (item.type === 'node') {
      yield { cid: item.cid, bytes: item.bytes }
      continue
    }
    const id = item.cid.key
    if (sent.has(id)) continue
    sent.add(id)
    const bytes = await store.getBytes(item.cid)
    if (!bytes) throw new MissingBlockError(item.cid, `record ${item.key}`)
    yield { cid: item.cid, bytes }
  }
}

/** A full repo export as a CAR v1 stream, the commit as root and first block. */
export function exportRepoCar(store: ReadableBlockstore, commitCid: CID): AsyncIterable<Uint8Array> {
  return writeCar([commitCid], repoBlocks(store, commitCid))
}

/** The CAR slice of a commit, as a firehose `#commit` event carries it (sync.md). */
export function exportDiffCar(commit: Pick<CommitData, 'cid' | 'relevantBlocks'>): Uint8Array {
  return encodeCar([commit.cid], commit.relevantBlocks)
}

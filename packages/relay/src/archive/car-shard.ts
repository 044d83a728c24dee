// A shard is CAR v1 bytes rooted at a commit (a verified commit's slice, a backfilled repo, or
// a compacted repo), stored whole in a shard file. The index needs where each block's bytes
// sit inside it; these helpers find that without re-hashing (the bytes were verified on the
// way in) and build a shard from blocks when there are no CAR bytes to store as they are.
import { type Block, type CID, CID_BYTES, decodeVarint, encodeCar, readCarSync } from '@welkin/data'

/** One block of a shard: its binary CID and where its bytes sit, relative to the shard's start. */
export interface ShardEntry {
  cid: Uint8Array
  off: number
  len: number
}

/**
 * The blocks of CAR v1 `bytes` and their offsets, or null when the CAR is not one this store
 * keeps as is (root other than `root`, a CID that is not 36 bytes). Framing is trusted: the
 * caller parsed and verified these bytes already.
 */
export function scanShard(bytes: Uint8Array, root: CID): ShardEntry[] | null {
  const { roots } = readCarHeader(bytes)
  if (roots.length < 1 || !roots[0].equals(root)) return null
  const entries: ShardEntry[] = []
  let [hlen, pos] = decodeVarint(bytes, 0)
  pos += hlen
  while (pos < bytes.length) {
    const [len, n] = decodeVarint(bytes, pos)
    pos += n
    if (len < CID_BYTES || pos + len > bytes.length) return null
    entries.push({ cid: bytes.subarray(pos, pos + CID_BYTES), off: pos + CID_BYTES, len: len - CID_BYTES })
    pos += len
  }
  return entries
}

function readCarHeader(bytes: Uint8Array): { roots: CID[] } {
  // readCarSync of the header alone: the first varint says how long it is.
  const [hlen, n] = decodeVarint(bytes, 0)
  return readCarSync(bytes.subarray(0, n + hlen))
}

/** A new shard of `blocks` rooted at `root`, with its entries. */
export function buildShard(root: CID, blocks: Iterable<Block>): { bytes: Uint8Array; entries: ShardEntry[] } {
  const list = [...blocks]
  const bytes = encodeCar([root], list)
  const entries = scanShard(bytes, root)
  if (!entries) throw new Error('buildShard: encodeCar produced a CAR scanShard refuses')
  return { bytes, entries }
}

// Reading a whole CAR held in memory: the fast path for firehose CAR slices and for files
// already buffered. Blocks are views into the input, not copies.
import { BlockMap } from './block-map.js'
import {
  checkSectionLength,
  MAX_HEADER_BYTES,
  parseHeader,
  parseSection,
  resolveCarLimits,
  varintError,
} from './car-format.js'
import type { CID } from './cid.js'
import { CarError } from './errors.js'
import type { CarLimits } from './limits.js'
import { decodeVarint } from './varint.js'

export interface CarContents {
  roots: CID[]
  blocks: BlockMap
}

function readLength(bytes: Uint8Array, pos: number): [number, number] {
  try {
    return decodeVarint(bytes, pos)
  } catch (err) {
    throw varintError(err, pos)
  }
}

/** Parses a complete CAR v1, checking every block against its CID. Throws CarError. */
export function readCarSync(bytes: Uint8Array, opts?: CarLimits): CarContents {
  if (!(bytes instanceof Uint8Array)) throw new CarError('CAR input must be a Uint8Array')
  const limits = resolveCarLimits(opts)
  const end = bytes.length
  if (end > limits.maxTotalBytes)
    throw new CarError(`CAR of ${end} bytes exceeds the limit of ${limits.maxTotalBytes}`)
  const [hlen, hn] = readLength(bytes, 0)
  if (hlen > MAX_HEADER_BYTES) throw new CarError(`CAR header of ${hlen} bytes is too large`, 0)
  if (hlen > end - hn) throw new CarError('CAR header is truncated', 0)
  const roots = parseHeader(bytes.subarray(hn, hn + hlen), hn)
  const blocks = new BlockMap()
  let pos = hn + hlen
  let count = 0
  while (pos < end) {
    const at = pos
    let len = bytes[pos]
    // Section lengths of firehose blocks fit one or two varint bytes: skip the tuple then.
    if (len < 0x80) pos += 1
    else if (pos + 1 < end && bytes[pos + 1] < 0x80 && bytes[pos + 1] !== 0) {
      len = (len & 0x7f) | (bytes[pos + 1] << 7)
      pos += 2
    } else {
      const [value, n] = readLength(bytes, pos)
      len = value
      pos += n
    }
    checkSectionLength(len, limits, at)
    if (len > end - pos) throw new CarError(`CAR section of ${len} bytes is truncated`, at)
    if (++count > limits.maxBlocks) throw new CarError(`CAR has more than ${limits.maxBlocks} blocks`, at)
    const block = parseSection(bytes, pos, len, at)
    blocks.set(block.cid, block.bytes)
    pos += len
  }
  return { roots, blocks }
}

// Writing CAR v1. Blocks are written in the order given (the repository spec's preferred order
// is the caller's business); hashes are not re-checked.
import type { Block } from './block-map.js'
import { encodeCbor } from './cbor-encode.js'
import { CID } from './cid.js'
import { CarError } from './errors.js'
import { varintLength, writeVarint } from './varint.js'

// Small sections are packed into chunks of about this size; larger blocks pass through uncopied.
const CHUNK = 64 * 1024

export function encodeCarHeader(roots: CID[]): Uint8Array {
  if (!Array.isArray(roots)) throw new CarError('CAR roots must be an array of CIDs')
  const cids = roots.map((r) => {
    const cid = CID.asCID(r)
    if (!cid) throw new CarError('CAR roots must be CIDs')
    return cid
  })
  const header = encodeCbor({ version: 1, roots: cids })
  const out = new Uint8Array(varintLength(header.length) + header.length)
  out.set(header, writeVarint(out, 0, header.length))
  return out
}

function checkBlock(b: Block): CID {
  const cid = b && CID.asCID(b.cid)
  if (!cid) throw new CarError('CAR block needs a cid')
  if (!(b.bytes instanceof Uint8Array)) throw new CarError(`CAR block ${cid} has no bytes`)
  return cid
}

/** Streams a CAR v1 as chunks; `blocks` may be sync or async (e.g. read from storage). */
export async function* writeCar(
  roots: CID[],
  blocks: Iterable<Block> | AsyncIterable<Block>,
): AsyncGenerator<Uint8Array> {
  const header = encodeCarHeader(roots)
  let buf = new Uint8Array(Math.max(CHUNK, header.length))
  buf.set(header, 0)
  let pos = header.length
  for await (const b of blocks) {
    const cid = checkBlock(b)
    const len = cid.bytes.length + b.bytes.length
    const prefix = varintLength(len) + cid.bytes.length
    const inline = b.bytes.length < CHUNK / 2
    if (pos + prefix + (inline ? b.bytes.length : 0) > buf.length) {
      if (pos > 0) yield buf.subarray(0, pos)
      buf = new Uint8Array(Math.max(CHUNK, prefix + (inline ? b.bytes.length : 0)))
      pos = 0
    }
    pos = writeVarint(buf, pos, len)
    buf.set(cid.bytes, pos)
    pos += cid.bytes.length
    if (inline) {
      buf.set(b.bytes, pos)
      pos += b.bytes.length
    } else {
      yield buf.subarray(0, pos)
      yield b.bytes
      buf = new Uint8Array(CHUNK)
      pos = 0
    }
  }
  if (pos > 0) yield buf.subarray(0, pos)
}

/** A whole CAR v1 in one buffer, for small CARs (commit slices, proofs, tests). */
export function encodeCar(roots: CID[], blocks: Iterable<Block>): Uint8Array {
  const header = encodeCarHeader(roots)
  const list: Block[] = []
  let size = header.length
  for (const b of blocks) {
    const cid = checkBlock(b)
    const len = cid.bytes.length + b.bytes.length
    size += varintLength(len) + len
    list.push(b)
  }
  const out = new Uint8Array(size)
  out.set(header, 0)
  let pos = header.length
  for (const b of list) {
    const cidBytes = (CID.asCID(b.cid) as CID).bytes
    pos = writeVarint(out, pos, cidBytes.length + b.bytes.length)
    out.set(cidBytes, pos)
    pos += cidBytes.length
    out.set(b.bytes, pos)
    pos += b.bytes.length
  }
  return out
}

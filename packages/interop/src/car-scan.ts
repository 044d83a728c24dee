// An independent CAR v1 reader for checking what the official PDS returns and for finding
// block offsets to tamper with. Deliberately separate from @welkin/data's reader: an oracle
// must not share code with what it checks. Format: https://ipld.io/specs/transport/car/carv1/
import { createHash } from 'node:crypto'
import { cidBytesToString } from './cid-string.js'
import { CarScanError } from './errors.js'

export interface ScannedBlock {
  cid: string
  cidBytes: Uint8Array
  /** Byte offset of the block's data (after its length prefix and CID). */
  offset: number
  length: number
}

export interface ScannedCar {
  roots: string[]
  blocks: ScannedBlock[]
}

const MAX_HEADER_BYTES = 1 << 16
const SHA2_256 = 0x12

function readVarint(bytes: Uint8Array, pos: number): [value: number, next: number] {
  let value = 0
  for (let shift = 0, i = pos; i < bytes.length && shift < 49; shift += 7, i++) {
    const b = bytes[i]
    value += (b & 0x7f) * 2 ** shift
    if (b < 0x80) return [value, i + 1]
  }
  throw new CarScanError('truncated or oversized varint', pos)
}

/** Length of a binary CIDv1 with a sha2-256 multihash starting at `pos`. */
function cidLength(bytes: Uint8Array, pos: number): number {
  const [version, afterVersion] = readVarint(bytes, pos)
  if (version !== 1) throw new CarScanError(`CID version ${version}, expected 1`, pos)
  const [, afterCodec] = readVarint(bytes, afterVersion)
  const [hashCode, afterHash] = readVarint(bytes, afterCodec)
  const [digestLength, afterLength] = readVarint(bytes, afterHash)
  if (hashCode !== SHA2_256 || digestLength !== 32)
    throw new CarScanError(`multihash 0x${hashCode.toString(16)}/${digestLength}, expected sha2-256/32`, pos)
  return afterLength + 32 - pos
}

/**
 * The header of an atproto CAR is DAG-CBOR `{roots: [CID...], version: 1}`; this reads
 * exactly that shape (canonical key order: 'roots' sorts before 'version').
 */
function readHeader(bytes: Uint8Array, start: number, end: number): string[] {
  let pos = start
  const expect = (want: number[], what: string) => {
    for (const b of want) {
      if (bytes[pos] !== b) throw new CarScanError(`bad CAR header: expected ${what}`, pos)
      pos++
    }
  }
  expect([0xa2, 0x65, ...Buffer.from('roots')], "a 2-entry map starting with 'roots'")
  const arrayHead = bytes[pos++]
  if (arrayHead === undefined || arrayHead < 0x80 || arrayHead > 0x97)
    throw new CarScanError('bad CAR header: roots is not a short array', pos - 1)
  const roots: string[] = []
  for (let i = 0; i < arrayHead - 0x80; i++) {
    expect([0xd8, 0x2a, 0x58], 'a tag-42 CID')
    const size = bytes[pos++]
    expect([0x00], 'the 0x00 multibase prefix of a CID link')
    const cid = bytes.subarray(pos, pos + size - 1)
    if (cidLength(bytes, pos) !== size - 1) throw new CarScanError('bad CAR header: CID length mismatch', pos)
    roots.push(cidBytesToString(cid))
    pos += size - 1
  }
  expect([0x67, ...Buffer.from('version'), 0x01], "'version': 1")
  if (pos !== end) throw new CarScanError('bad CAR header: trailing bytes', pos)
  return roots
}

/** Parses a whole CAR v1 file; with checkHashes (default) every block must hash to its CID. */
export function scanCar(bytes: Uint8Array, opts: { checkHashes?: boolean } = {}): ScannedCar {
  const [headerLength, headerStart] = readVarint(bytes, 0)
  if (headerLength === 0 || headerLength > MAX_HEADER_BYTES || headerStart + headerLength > bytes.length)
    throw new CarScanError(`bad CAR header length ${headerLength}`, 0)
  const roots = readHeader(bytes, headerStart, headerStart + headerLength)
  const blocks: ScannedBlock[] = []
  let pos = headerStart + headerLength
  while (pos < bytes.length) {
    const [sectionLength, sectionStart] = readVarint(bytes, pos)
    const sectionEnd = sectionStart + sectionLength
    if (sectionEnd > bytes.length) throw new CarScanError('block section runs past the end of the file', pos)
    const cidBytes = bytes.subarray(sectionStart, sectionStart + cidLength(bytes, sectionStart))
    if (sectionStart + cidBytes.length > sectionEnd)
      throw new CarScanError('block section shorter than its CID', pos)
    const offset = sectionStart + cidBytes.length
    const block = { cid: cidBytesToString(cidBytes), cidBytes, offset, length: sectionEnd - offset }
    if (opts.checkHashes !== false) {
      const digest = createHash('sha256').update(bytes.subarray(offset, sectionEnd)).digest()
      if (!digest.equals(cidBytes.subarray(cidBytes.length - 32)))
        throw new CarScanError(`block ${block.cid} does not hash to its CID`, offset)
    }
    blocks.push(block)
    pos = sectionEnd
  }
  return { roots, blocks }
}

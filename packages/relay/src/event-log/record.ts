// One record of a segment file: a 24-byte header, then the frame exactly as it goes on the
// wire. The CRC covers seq, time and frame, so a torn or garbled tail is recognised on
// recovery instead of being served.
//
//   0  u32 LE  frame length L
//   4  u32 LE  CRC-32 (zlib) of bytes 8 .. 24+L
//   8  f64 LE  relay seq (a safe integer)
//  16  f64 LE  time appended, ms since the epoch
//  24  L bytes frame
import { crc32 } from 'node:zlib'

export const RECORD_HEADER_BYTES = 24
/** Frames are at most 5 MiB upstream; anything far larger in a header is corruption. */
export const MAX_RECORD_FRAME_BYTES = 16 * 1024 * 1024

export interface LogRecord {
  seq: number
  time: number
  frame: Uint8Array
}

/** Writes the record at `out[offset]`; `out` must have RECORD_HEADER_BYTES + frame.length free. */
export function writeRecord(
  out: Buffer,
  offset: number,
  seq: number,
  time: number,
  frame: Uint8Array,
): number {
  out.writeUInt32LE(frame.length, offset)
  out.writeDoubleLE(seq, offset + 8)
  out.writeDoubleLE(time, offset + 16)
  out.set(frame, offset + RECORD_HEADER_BYTES)
  const end = offset + RECORD_HEADER_BYTES + frame.length
  out.writeUInt32LE(crc32(out.subarray(offset + 8, end)), offset + 4)
  return end
}

export type ParseResult =
  | { kind: 'record'; record: LogRecord; next: number }
  /** The buffer ends inside the record: read more, or (at the end of the file) a torn write. */
  | { kind: 'short'; need: number }
  | { kind: 'corrupt'; why: string }

/** Parses the record at `buf[offset]`; the frame is a view into `buf`. */
export function parseRecord(buf: Buffer, offset: number): ParseResult {
  if (buf.length - offset < RECORD_HEADER_BYTES) return { kind: 'short', need: RECORD_HEADER_BYTES }
  const len = buf.readUInt32LE(offset)
  if (len > MAX_RECORD_FRAME_BYTES) return { kind: 'corrupt', why: `frame length ${len}` }
  const end = offset + RECORD_HEADER_BYTES + len
  if (end > buf.length) return { kind: 'short', need: RECORD_HEADER_BYTES + len }
  const crc = buf.readUInt32LE(offset + 4)
  if (crc32(buf.subarray(offset + 8, end)) !== crc) return { kind: 'corrupt', why: 'checksum mismatch' }
  const seq = buf.readDoubleLE(offset + 8)
  const time = buf.readDoubleLE(offset + 16)
  if (!Number.isSafeInteger(seq) || seq < 1 || !Number.isFinite(time))
    return { kind: 'corrupt', why: 'bad seq or time' }
  return {
    kind: 'record',
    record: { seq, time, frame: buf.subarray(offset + RECORD_HEADER_BYTES, end) },
    next: end,
  }
}

// Index entries: 24 bytes, [seq f64][offset f64][time f64]. A segment's index holds its first
// record and then one record about every INDEX_SPACING bytes; sealing appends a trailer whose
// offset is the segment's final size (no record starts there), carrying the last seq and time.
export const INDEX_ENTRY_BYTES = 24
export const INDEX_SPACING = 256 * 1024

export interface IndexEntry {
  seq: number
  offset: number
  time: number
}

export function encodeIndexEntry(e: IndexEntry): Buffer {
  const b = Buffer.allocUnsafe(INDEX_ENTRY_BYTES)
  b.writeDoubleLE(e.seq, 0)
  b.writeDoubleLE(e.offset, 8)
  b.writeDoubleLE(e.time, 16)
  return b
}

/** Entries of an index file; a torn last entry is ignored. */
export function decodeIndex(buf: Buffer): IndexEntry[] {
  const out: IndexEntry[] = []
  for (let o = 0; o + INDEX_ENTRY_BYTES <= buf.length; o += INDEX_ENTRY_BYTES) {
    const seq = buf.readDoubleLE(o)
    const offset = buf.readDoubleLE(o + 8)
    const time = buf.readDoubleLE(o + 16)
    if (!Number.isSafeInteger(seq) || !Number.isSafeInteger(offset) || offset < 0) break
    if (out.length > 0 && (seq < out[out.length - 1].seq || offset < out[out.length - 1].offset)) break
    out.push({ seq, offset, time })
  }
  return out
}

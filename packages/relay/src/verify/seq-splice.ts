// Frames are encoded (in a verification worker) before the relay's seq is known: the body is
// encoded with `seq: 0`, whose value is then the single byte 0x00 at a known offset, and the
// real seq is spliced in when the event is sequenced. The result is byte-for-byte the canonical
// DAG-CBOR encoding of the body with that seq (keys sort the same; only the integer's width
// changes).
import { encodeCbor } from '@welkin/data'

const SEQ_KEY = [0x63, 0x73, 0x65, 0x71] // text(3) "seq"

// DAG-CBOR orders map keys by length, then bytewise. Of the keys our bodies can hold, only these
// sort before "seq".
const BEFORE_SEQ = ['did', 'ops', 'rev']

/**
 * Where the seq value sits in `frame` (header ++ body encoded with seq 0). `body` is the object
 * that was encoded; `headerLength` the header's byte length.
 */
export function seqOffset(frame: Uint8Array, headerLength: number, body: Record<string, unknown>): number {
  const before: Record<string, unknown> = {}
  let n = 0
  for (const k of BEFORE_SEQ) {
    if (body[k] !== undefined) {
      before[k] = body[k]
      n++
    }
  }
  // Map headers of up to 23 entries are one byte, in the body as in this smaller map.
  const prefix = n === 0 ? 1 : encodeCbor(before as never).length
  const at = headerLength + prefix + SEQ_KEY.length
  for (let i = 0; i < 4; i++) {
    if (frame[at - 4 + i] !== SEQ_KEY[i]) throw new Error('seq key not where expected in the encoded body')
  }
  if (frame[at] !== 0) throw new Error('seq placeholder is not 0')
  return at
}

function uintBytes(n: number): number {
  if (n < 24) return 1
  if (n < 0x100) return 2
  if (n < 0x10000) return 3
  if (n < 0x100000000) return 5
  return 9
}

/** A copy of `frame` with the placeholder at `offset` replaced by `seq` (a positive safe integer). */
export function spliceSeq(frame: Uint8Array, offset: number, seq: number): Uint8Array {
  const width = uintBytes(seq)
  const out = new Uint8Array(frame.length - 1 + width)
  out.set(frame.subarray(0, offset), 0)
  let o = offset
  if (width === 1) out[o++] = seq
  else if (width === 2) {
    out[o++] = 0x18
    out[o++] = seq
  } else if (width === 3) {
    out[o++] = 0x19
    out[o++] = seq >>> 8
    out[o++] = seq & 0xff
  } else if (width === 5) {
    out[o++] = 0x1a
    out[o++] = seq >>> 24
    out[o++] = (seq >>> 16) & 0xff
    out[o++] = (seq >>> 8) & 0xff
    out[o++] = seq & 0xff
  } else {
    out[o++] = 0x1b
    const hi = Math.floor(seq / 0x100000000)
    const lo = seq >>> 0
    out[o++] = (hi >>> 24) & 0xff
    out[o++] = (hi >>> 16) & 0xff
    out[o++] = (hi >>> 8) & 0xff
    out[o++] = hi & 0xff
    out[o++] = lo >>> 24
    out[o++] = (lo >>> 16) & 0xff
    out[o++] = (lo >>> 8) & 0xff
    out[o++] = lo & 0xff
  }
  out.set(frame.subarray(offset + 1), o)
  return out
}

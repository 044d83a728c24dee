// Unsigned LEB128 varints as multiformats uses them (CIDs, CAR section lengths). The
// unsigned-varint spec requires minimal encodings, and we cap values at 2^53 - 1 so they stay
// exact JavaScript numbers.
import { DataError } from './errors.js'

export function varintLength(n: number): number {
  let len = 1
  while (n >= 0x80) {
    n = Math.floor(n / 128)
    len++
  }
  return len
}

/** Writes `n` at `pos` and returns the position after it; the caller guarantees room. */
export function writeVarint(buf: Uint8Array, pos: number, n: number): number {
  while (n >= 0x80) {
    buf[pos++] = (n & 0x7f) | 0x80
    n = Math.floor(n / 128)
  }
  buf[pos++] = n
  return pos
}

export function encodeVarint(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0)
    throw new DataError(`varint must be a non-negative safe integer, got ${n}`)
  const out = new Uint8Array(varintLength(n))
  writeVarint(out, 0, n)
  return out
}

/**
 * Reads a varint at `offset`; returns `[value, bytesRead]`. Throws DataError when truncated,
 * not minimal, or above Number.MAX_SAFE_INTEGER.
 */
export function decodeVarint(bytes: Uint8Array, offset = 0): [number, number] {
  let value = 0
  let scale = 1
  for (let i = offset; i < bytes.length; i++) {
    const b = bytes[i]
    value += (b & 0x7f) * scale
    if (b < 0x80) {
      const read = i - offset + 1
      if (b === 0 && read > 1) throw new DataError(`varint at byte ${offset} is not minimally encoded`)
      if (value > Number.MAX_SAFE_INTEGER) throw new DataError(`varint at byte ${offset} exceeds 2^53 - 1`)
      return [value, read]
    }
    scale *= 128
    // 8 groups of 7 bits already exceed 53 bits; a ninth continuation can only overflow.
    if (i - offset >= 7) throw new DataError(`varint at byte ${offset} exceeds 2^53 - 1`)
  }
  throw new DataError(`varint at byte ${offset} is truncated`)
}

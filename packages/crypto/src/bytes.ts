import { InvalidEncodingError } from './errors.js'

const HEX_DIGITS = '0123456789abcdef'

export function bytesToHex(bytes: Uint8Array): string {
  let out = ''
  for (const b of bytes) out += HEX_DIGITS[b >> 4] + HEX_DIGITS[b & 15]
  return out
}

function hexNibble(code: number): number {
  if (code >= 48 && code <= 57) return code - 48
  const lower = code | 0x20
  if (lower >= 97 && lower <= 102) return lower - 87
  return -1
}

/** Decodes even-length hex (either case). Errors never echo the input, which may be a secret. */
export function hexToBytes(hex: string): Uint8Array {
  if (typeof hex !== 'string' || hex.length % 2 !== 0) {
    throw new InvalidEncodingError('hex: expected a string of even length')
  }
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) {
    const hi = hexNibble(hex.charCodeAt(2 * i))
    const lo = hexNibble(hex.charCodeAt(2 * i + 1))
    if (hi < 0 || lo < 0) throw new InvalidEncodingError(`hex: invalid character at offset ${2 * i}`)
    out[i] = (hi << 4) | lo
  }
  return out
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0
  for (const p of parts) length += p.length
  const out = new Uint8Array(length)
  let offset = 0
  for (const p of parts) {
    out.set(p, offset)
    offset += p.length
  }
  return out
}

/** Equality whose running time depends only on the lengths, for comparing secrets. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i]
  return diff === 0
}

/**
 * Big-endian `a < b` for equal-length inputs, scanning every byte without branching on the
 * data, so range checks on private scalars do not leak where they differ.
 */
export function lessThanConstantTime(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) throw new RangeError('lessThanConstantTime: length mismatch')
  let lt = 0
  for (let i = a.length - 1; i >= 0; i--) {
    const diff = a[i] - b[i]
    const below = (diff >>> 31) & 1
    const equal = ((diff | -diff) >>> 31) ^ 1
    lt = below | (equal & lt)
  }
  return lt === 1
}

export function isZeroConstantTime(a: Uint8Array): boolean {
  let acc = 0
  for (let i = 0; i < a.length; i++) acc |= a[i]
  return acc === 0
}

/** Big-endian comparison of `a[aOffset..aOffset+len)` with `b[0..len)`, for public values only. */
export function compareAt(a: Uint8Array, aOffset: number, b: Uint8Array, len: number): number {
  for (let i = 0; i < len; i++) {
    const d = a[aOffset + i] - b[i]
    if (d !== 0) return d
  }
  return 0
}

export function bytesToBigInt(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${bytesToHex(bytes)}`)
}

export function bigIntToBytes(value: bigint, length: number): Uint8Array {
  const hex = value.toString(16).padStart(length * 2, '0')
  if (hex.length > length * 2) throw new RangeError(`bigIntToBytes: value does not fit ${length} bytes`)
  return hexToBytes(hex)
}

// RFC 4648 section 6 base32, lowercase, unpadded: the multibase 'b' encoding atproto uses for
// CID strings. Decoding is strict (lowercase only, no padding, zero trailing bits) so each byte
// string has exactly one accepted text form, which lets CID strings be cached and compared as text.
import { DataError } from './errors.js'

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567'
const DECODE = new Int8Array(128).fill(-1)
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i

// Two output characters per 10 input bits halves the string concatenations.
const PAIRS: string[] = []
for (let i = 0; i < 1024; i++) PAIRS.push(ALPHABET[i >> 5] + ALPHABET[i & 31])

/** Encodes `bytes[start, end)` (the whole array by default). */
export function base32Encode(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let out = ''
  let i = start
  const whole = end - ((end - start) % 5)
  for (; i < whole; i += 5) {
    const hi = (bytes[i] << 12) | (bytes[i + 1] << 4) | (bytes[i + 2] >> 4)
    const lo = ((bytes[i + 2] & 15) << 16) | (bytes[i + 3] << 8) | bytes[i + 4]
    out += PAIRS[hi >> 10] + PAIRS[hi & 1023] + PAIRS[lo >> 10] + PAIRS[lo & 1023]
  }
  let bits = 0
  let acc = 0
  for (; i < end; i++) {
    acc = (acc << 8) | bytes[i]
    bits += 8
    while (bits >= 5) {
      bits -= 5
      out += ALPHABET[(acc >> bits) & 31]
    }
  }
  if (bits > 0) out += ALPHABET[(acc << (5 - bits)) & 31]
  return out
}

export function base32Decode(text: string): Uint8Array {
  const rem = text.length % 8
  if (rem === 1 || rem === 3 || rem === 6)
    throw new DataError(`base32 text has impossible length ${text.length}`)
  const out = new Uint8Array(Math.floor((text.length * 5) / 8))
  let bits = 0
  let acc = 0
  let pos = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    const v = c < 128 ? DECODE[c] : -1
    if (v < 0) throw new DataError(`invalid base32 character ${JSON.stringify(text[i])} at index ${i}`)
    acc = ((acc << 5) | v) & 0xfff
    bits += 5
    if (bits >= 8) {
      bits -= 8
      out[pos++] = (acc >> bits) & 0xff
    }
  }
  if ((acc & ((1 << bits) - 1)) !== 0) throw new DataError('base32 text has non-zero trailing bits')
  return out
}

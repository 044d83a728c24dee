// base58btc (the Bitcoin alphabet), as used by multibase prefix 'z' in did:key and multikey.
// The conversion is quadratic in the input length, so decoding refuses long inputs by default.
import { InvalidEncodingError } from './errors.js'

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
const DIGIT_OF = new Int8Array(128).fill(-1)
for (let i = 0; i < ALPHABET.length; i++) DIGIT_OF[ALPHABET.charCodeAt(i)] = i

/** Inputs this long decode in well under a millisecond; keys and CIDs are a few dozen characters. */
export const BASE58_MAX_DECODE_LENGTH = 2048

export function base58btcEncode(bytes: Uint8Array): string {
  let zeros = 0
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++
  // Little-endian base-58 digits of the value, grown as bytes are folded in.
  const digits: number[] = []
  for (let i = zeros; i < bytes.length; i++) {
    let carry = bytes[i]
    for (let j = 0; j < digits.length; j++) {
      carry += digits[j] * 256
      digits[j] = carry % 58
      carry = Math.floor(carry / 58)
    }
    while (carry > 0) {
      digits.push(carry % 58)
      carry = Math.floor(carry / 58)
    }
  }
  let out = '1'.repeat(zeros)
  for (let i = digits.length - 1; i >= 0; i--) out += ALPHABET[digits[i]]
  return out
}

export function base58btcDecode(text: string, maxLength = BASE58_MAX_DECODE_LENGTH): Uint8Array {
  if (typeof text !== 'string') throw new InvalidEncodingError('base58btc: expected a string')
  if (text.length > maxLength) {
    throw new InvalidEncodingError(`base58btc: input of ${text.length} characters exceeds ${maxLength}`)
  }
  let zeros = 0
  while (zeros < text.length && text.charCodeAt(zeros) === 49 /* '1' */) zeros++
  const bytes: number[] = [] // little-endian
  for (let i = zeros; i < text.length; i++) {
    const code = text.charCodeAt(i)
    const digit = code < 128 ? DIGIT_OF[code] : -1
    if (digit < 0) throw new InvalidEncodingError(`base58btc: invalid character at offset ${i}`)
    let carry = digit
    for (let j = 0; j < bytes.length; j++) {
      carry += bytes[j] * 58
      bytes[j] = carry & 0xff
      carry >>= 8
    }
    while (carry > 0) {
      bytes.push(carry & 0xff)
      carry >>= 8
    }
  }
  const out = new Uint8Array(zeros + bytes.length)
  for (let i = 0; i < bytes.length; i++) out[out.length - 1 - i] = bytes[i]
  return out
}

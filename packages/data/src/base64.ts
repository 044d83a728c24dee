// RFC 4648 section 4 base64 (standard alphabet, not URL-safe), as atproto-JSON uses for $bytes.
// Output is unpadded; input may be padded or not (data-model spec: padding is optional).
import { DataError } from './errors.js'

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const DECODE = new Int8Array(128).fill(-1)
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i

export function base64Encode(bytes: Uint8Array): string {
  let out = ''
  let i = 0
  const whole = bytes.length - (bytes.length % 3)
  for (; i < whole; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2]
    out += ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63] + ALPHABET[(n >> 6) & 63] + ALPHABET[n & 63]
  }
  const left = bytes.length - whole
  if (left === 1) {
    const n = bytes[i] << 16
    out += ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63]
  } else if (left === 2) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8)
    out += ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63] + ALPHABET[(n >> 6) & 63]
  }
  return out
}

export function base64Decode(text: string): Uint8Array {
  let end = text.length
  if (end % 4 === 0 && end > 0 && text.charCodeAt(end - 1) === 61 /* = */) {
    end--
    if (text.charCodeAt(end - 1) === 61) end--
  }
  if (end % 4 === 1) throw new DataError(`base64 text has impossible length ${text.length}`)
  const out = new Uint8Array(Math.floor((end * 3) / 4))
  let acc = 0
  let bits = 0
  let pos = 0
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i)
    const v = c < 128 ? DECODE[c] : -1
    if (v < 0) throw new DataError(`invalid base64 character ${JSON.stringify(text[i])} at index ${i}`)
    acc = ((acc << 6) | v) & 0xfff
    bits += 6
    if (bits >= 8) {
      bits -= 8
      out[pos++] = (acc >> bits) & 0xff
    }
  }
  // Non-zero pad bits (e.g. "123") are ignored, as RFC 4648 section 3.5 permits and as the
  // official implementation and the conformance vectors do; our encoder never produces them.
  return out
}

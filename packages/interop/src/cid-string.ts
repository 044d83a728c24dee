// CID bytes <-> the base32 'b...' string form, written out here rather than taken from
// @welkin/data: the harness checks Welkin's code, so it must not reuse it.
import { InteropError } from './errors.js'

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567'

/** Multibase base32 (RFC 4648 lower case, no padding) with its 'b' prefix. */
export function cidBytesToString(bytes: Uint8Array): string {
  let out = 'b'
  let buffer = 0
  let bits = 0
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte
    bits += 8
    while (bits >= 5) {
      bits -= 5
      out += ALPHABET[(buffer >>> bits) & 31]
    }
    buffer &= (1 << bits) - 1
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31]
  return out
}

export function cidStringToBytes(cid: string): Uint8Array {
  if (!cid.startsWith('b')) throw new InteropError(`not a base32 CID string: ${cid}`)
  const out: number[] = []
  let buffer = 0
  let bits = 0
  for (const ch of cid.slice(1)) {
    const value = ALPHABET.indexOf(ch)
    if (value < 0) throw new InteropError(`invalid base32 character '${ch}' in CID ${cid}`)
    buffer = (buffer << 5) | value
    bits += 5
    if (bits >= 8) {
      bits -= 8
      out.push((buffer >>> bits) & 0xff)
    }
    buffer &= (1 << bits) - 1
  }
  return Uint8Array.from(out)
}

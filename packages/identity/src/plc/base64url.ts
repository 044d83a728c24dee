// RFC 4648 section 5 base64url without padding, as did:plc signatures are written. Decoding is
// strict (did:plc spec: "Trailing padding bits MUST be set to zero", no '=' padding), so each
// signature has exactly one text form and cannot be re-encoded into a different op CID.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const DECODE = new Int8Array(128).fill(-1)
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i

export function base64urlEncode(bytes: Uint8Array): string {
  let out = ''
  let acc = 0
  let bits = 0
  for (let i = 0; i < bytes.length; i++) {
    acc = ((acc << 8) | bytes[i]) & 0xffff
    bits += 8
    while (bits >= 6) {
      bits -= 6
      out += ALPHABET[(acc >> bits) & 63]
    }
  }
  if (bits > 0) out += ALPHABET[(acc << (6 - bits)) & 63]
  return out
}

/** Decoded bytes, or a reason the text is not canonical unpadded base64url. */
export function base64urlDecodeStrict(text: string): Uint8Array | string {
  if (text.length % 4 === 1) return `impossible base64url length ${text.length}`
  const out = new Uint8Array(Math.floor((text.length * 6) / 8))
  let acc = 0
  let bits = 0
  let pos = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    const v = c < 128 ? DECODE[c] : -1
    if (v < 0) {
      return c === 61 /* = */
        ? 'base64url padding is not allowed'
        : `invalid base64url character ${JSON.stringify(text[i])} at index ${i}`
    }
    acc = ((acc << 6) | v) & 0xfff
    bits += 6
    if (bits >= 8) {
      bits -= 8
      out[pos++] = (acc >> bits) & 0xff
    }
  }
  if ((acc & ((1 << bits) - 1)) !== 0) return 'base64url text has non-zero trailing bits'
  return out
}

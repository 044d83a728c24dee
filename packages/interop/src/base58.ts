// Bitcoin-alphabet base58 (the 'z' multibase), written out here rather than taken from
// @welkin/crypto, which the harness helps to check. Inputs are keys: a few dozen bytes.
import { InteropError } from './errors.js'

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
const MAX_INPUT = 1024

export function base58Encode(bytes: Uint8Array): string {
  if (bytes.length > MAX_INPUT) throw new InteropError(`base58: input of ${bytes.length} bytes is too long`)
  let n = 0n
  for (const b of bytes) n = n * 256n + BigInt(b)
  let out = ''
  while (n > 0n) {
    out = ALPHABET[Number(n % 58n)] + out
    n /= 58n
  }
  for (const b of bytes) {
    if (b !== 0) break
    out = `1${out}`
  }
  return out
}

export function base58Decode(text: string): Uint8Array {
  if (text.length > MAX_INPUT * 2)
    throw new InteropError(`base58: input of ${text.length} characters is too long`)
  let n = 0n
  for (const ch of text) {
    const digit = ALPHABET.indexOf(ch)
    if (digit < 0) throw new InteropError(`base58: invalid character '${ch}'`)
    n = n * 58n + BigInt(digit)
  }
  const out: number[] = []
  while (n > 0n) {
    out.unshift(Number(n % 256n))
    n /= 256n
  }
  for (const ch of text) {
    if (ch !== '1') break
    out.unshift(0)
  }
  return Uint8Array.from(out)
}

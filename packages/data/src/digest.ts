// SHA-256 for the hot paths that only compare a digest or copy it into a CID: the digest as a
// 32-character string, one character per byte. Under Node the one-shot `crypto.hash` can
// answer a Latin-1 string directly, which skips allocating a Buffer for every block — on small
// blocks that allocation costs more than the hashing (a firehose commit hashes ~30 of them).
// Elsewhere (browsers) the portable @welkin/crypto sha256 is used and its bytes converted.
import { sha256 } from './hash.js'
import { encodeUtf8 } from './utf8.js'

type OneShotLatin1 = (alg: 'sha256', data: Uint8Array | string, enc: 'latin1') => string

function nodeHash(): OneShotLatin1 | undefined {
  // process.getBuiltinModule (Node >= 20.16) needs no import, so bundles for browsers stay clean.
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
  const crypto = proc?.getBuiltinModule?.('node:crypto') as { hash?: OneShotLatin1 } | undefined
  return typeof crypto?.hash === 'function' ? crypto.hash : undefined
}

const oneShot = nodeHash()

/** sha256Latin1 through @welkin/crypto: what runs where node:crypto is not available. */
export function sha256Latin1Portable(data: Uint8Array | string): string {
  const digest = sha256(typeof data === 'string' ? encodeUtf8(data) : data)
  return String.fromCharCode.apply(null, digest as unknown as number[])
}

/** SHA-256 of `data` (a string is hashed as UTF-8) as 32 Latin-1 characters, one per byte. */
export const sha256Latin1: (data: Uint8Array | string) => string = oneShot
  ? (data) => oneShot('sha256', data, 'latin1')
  : sha256Latin1Portable

/** True when the digest string equals the 32 bytes at `buf[offset]`. */
export function digestEquals(digest: string, buf: Uint8Array, offset: number): boolean {
  for (let i = 0; i < 32; i++) if (digest.charCodeAt(i) !== buf[offset + i]) return false
  return true
}

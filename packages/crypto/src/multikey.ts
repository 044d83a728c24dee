// Multikey and did:key encodings of public keys (cryptography spec, "Public Key Encoding"):
// 'z' + base58btc(varint multicodec || compressed point). The legacy DID-document form
// (did spec, "Legacy Representation") has no codec, so the curve comes from the document.
import { base58btcDecode, base58btcEncode } from './base58.js'
import { concatBytes } from './bytes.js'
import { curveFor, toCompressedPublicKey } from './curves.js'
import { InvalidKeyError } from './errors.js'
import type { JwtAlg } from './types.js'

export const DID_KEY_PREFIX = 'did:key:'
export const BASE58BTC_MULTIBASE_PREFIX = 'z'
/** Multicodec `p256-pub`. */
export const P256_MULTICODEC = 0x1200
/** Multicodec `secp256k1-pub`. */
export const SECP256K1_MULTICODEC = 0xe7

// Varint-encoded codecs, as given in the spec: p256 [0x80, 0x24], k256 [0xe7, 0x01].
const CODEC_PREFIX: Record<JwtAlg, Uint8Array> = {
  ES256: Uint8Array.of(0x80, 0x24),
  ES256K: Uint8Array.of(0xe7, 0x01),
}

// An uncompressed key with its codec is 67 bytes, about 92 base58 characters.
const MAX_MULTIBASE_LENGTH = 128

export interface ParsedKey {
  jwtAlg: JwtAlg
  /** 33-byte compressed point. */
  keyBytes: Uint8Array
}

function decodeMultibase(text: string, what: string): Uint8Array {
  if (typeof text !== 'string' || !text.startsWith(BASE58BTC_MULTIBASE_PREFIX)) {
    throw new InvalidKeyError(`${what}: expected base58btc multibase text starting with 'z'`)
  }
  if (text.length > MAX_MULTIBASE_LENGTH) {
    throw new InvalidKeyError(`${what}: ${text.length} characters is too long for a public key`)
  }
  try {
    return base58btcDecode(text.slice(1))
  } catch (err) {
    throw new InvalidKeyError(`${what}: ${(err as Error).message}`, { cause: err })
  }
}

/** Unsigned LEB128 as multiformats uses it, minimal encodings only. */
function readCodec(bytes: Uint8Array): { code: number; length: number } {
  let code = 0
  for (let i = 0; i < 3 && i < bytes.length; i++) {
    code |= (bytes[i] & 0x7f) << (7 * i)
    if (!(bytes[i] & 0x80)) {
      if (i > 0 && bytes[i] === 0) break
      return { code, length: i + 1 }
    }
  }
  throw new InvalidKeyError('multikey: malformed multicodec varint')
}

function algForCodec(code: number): JwtAlg {
  if (code === P256_MULTICODEC) return 'ES256'
  if (code === SECP256K1_MULTICODEC) return 'ES256K'
  throw new InvalidKeyError(`multikey: unsupported key type (multicodec 0x${code.toString(16)})`)
}

/** The validated 33-byte compressed form of a compressed or uncompressed (0x04) point. */
export function compressPublicKey(jwtAlg: JwtAlg, key: Uint8Array): Uint8Array {
  return toCompressedPublicKey(curveFor(jwtAlg), key)
}

/** Compressed (or uncompressed, which is compressed first) key bytes to a `z...` multikey. */
export function formatMultikey(jwtAlg: JwtAlg, key: Uint8Array): string {
  const compressed = toCompressedPublicKey(curveFor(jwtAlg), key)
  return BASE58BTC_MULTIBASE_PREFIX + base58btcEncode(concatBytes(CODEC_PREFIX[jwtAlg], compressed))
}

/** Parses a multikey; keys stored uncompressed (older did:key values) are checked and compressed. */
export function parseMultikey(multikey: string): ParsedKey {
  const bytes = decodeMultibase(multikey, 'multikey')
  const { code, length } = readCodec(bytes)
  const jwtAlg = algForCodec(code)
  const keyBytes = toCompressedPublicKey(curveFor(jwtAlg), bytes.subarray(length))
  return { jwtAlg, keyBytes }
}

export function formatDidKey(jwtAlg: JwtAlg, key: Uint8Array): string {
  return DID_KEY_PREFIX + formatMultikey(jwtAlg, key)
}

export function parseDidKey(did: string): ParsedKey {
  if (typeof did !== 'string' || !did.startsWith(DID_KEY_PREFIX)) {
    throw new InvalidKeyError('did:key: expected a string starting with "did:key:"')
  }
  return parseMultikey(did.slice(DID_KEY_PREFIX.length))
}

/**
 * The legacy `publicKeyMultibase` of a DID document: base58btc without a codec, the curve
 * known from the verification method type. Both compressed and uncompressed points occur.
 */
export function parseLegacyMultibase(jwtAlg: JwtAlg, multibase: string): ParsedKey {
  const bytes = decodeMultibase(multibase, 'legacy multibase key')
  return { jwtAlg, keyBytes: toCompressedPublicKey(curveFor(jwtAlg), bytes) }
}

const LEGACY_SUITES: Record<string, JwtAlg> = {
  EcdsaSecp256r1VerificationKey2019: 'ES256',
  EcdsaSecp256k1VerificationKey2019: 'ES256K',
}

/** Public key of a DID document `verificationMethod` entry, current (`Multikey`) or legacy type. */
export function parseVerificationMethodKey(type: string, publicKeyMultibase: string): ParsedKey {
  if (type === 'Multikey') return parseMultikey(publicKeyMultibase)
  const jwtAlg = Object.hasOwn(LEGACY_SUITES, type) ? LEGACY_SUITES[type] : undefined
  if (!jwtAlg)
    throw new InvalidKeyError(
      `verification method: unsupported type ${JSON.stringify(String(type).slice(0, 64))}`,
    )
  return parseLegacyMultibase(jwtAlg, publicKeyMultibase)
}

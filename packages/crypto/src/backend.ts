// The seam between atproto rules (encodings, low-S, key checks: the rest of this package) and
// the curve arithmetic. Two implementations: native (node:crypto + libsecp256k1) for servers
// and pure (@noble/curves) for browsers, run against the same vectors in the tests.
import type { JwtAlg } from './types.js'

/** A private key loaded for signing. The scalar is already range-checked. */
export interface SigningKey {
  /** 33-byte compressed public key. */
  readonly publicKey: Uint8Array
  /** SHA-256 then ECDSA: a 64-byte compact signature, S not yet normalized. */
  sign(msg: Uint8Array): Uint8Array
}

/** A public point decoded once. Signatures reaching it are compact, low-S, scalars in range. */
export interface VerifyingKey {
  verifyMessage(msg: Uint8Array, sig: Uint8Array): boolean
  verifyDigest(digest: Uint8Array, sig: Uint8Array): boolean
}

export interface CurveBackend {
  importPrivateKey(priv: Uint8Array): SigningKey
  /** Throws InvalidKeyError when the compressed point is not on the curve. */
  importPublicKey(compressed: Uint8Array): VerifyingKey
}

export interface Backend {
  readonly name: 'native' | 'pure'
  /** Which library does the work for each curve, e.g. for a startup log line. */
  readonly implementations: Readonly<Record<JwtAlg, string>>
  readonly curves: Readonly<Record<JwtAlg, CurveBackend>>
  sha256(bytes: Uint8Array): Uint8Array
  randomBytes(length: number): Uint8Array
}

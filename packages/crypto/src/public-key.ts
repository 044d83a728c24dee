import { defaultBackend } from '#backend'
import type { Backend, VerifyingKey } from './backend.js'
import { type Curve, curveFor, toCompressedPublicKey } from './curves.js'
import { CryptoError } from './errors.js'
import { formatDidKey, parseDidKey } from './multikey.js'
import { canonicalSignature } from './signature.js'
import type { JwtAlg, PublicKey, VerifyOptions } from './types.js'

export interface BackendOption {
  /** Defaults to the platform's backend: native under Node, pure elsewhere. */
  backend?: Backend
}

class EcPublicKey implements PublicKey {
  readonly jwtAlg: JwtAlg
  readonly compressed: Uint8Array
  readonly #curve: Curve
  readonly #verifier: VerifyingKey
  #did: string | undefined

  constructor(curve: Curve, compressed: Uint8Array, verifier: VerifyingKey) {
    this.jwtAlg = curve.jwtAlg
    this.compressed = compressed
    this.#curve = curve
    this.#verifier = verifier
  }

  did(): string {
    this.#did ??= formatDidKey(this.jwtAlg, this.compressed)
    return this.#did
  }

  verifySync(msg: Uint8Array, sig: Uint8Array, opts?: VerifyOptions): boolean {
    const canonical = canonicalSignature(this.#curve, sig, opts)
    return canonical !== null && this.#verifier.verifyMessage(msg, canonical)
  }

  verifyDigestSync(digest: Uint8Array, sig: Uint8Array, opts?: VerifyOptions): boolean {
    if (!(digest instanceof Uint8Array) || digest.length !== 32) {
      throw new CryptoError('verifyDigestSync: the digest must be 32 bytes of SHA-256')
    }
    const canonical = canonicalSignature(this.#curve, sig, opts)
    return canonical !== null && this.#verifier.verifyDigest(digest, canonical)
  }

  toString(): string {
    return this.did()
  }
}

/** Decodes a compressed (or uncompressed) point once, for repeated verification. */
export function publicKeyFromBytes(jwtAlg: JwtAlg, key: Uint8Array, opts?: BackendOption): PublicKey {
  const curve = curveFor(jwtAlg)
  const compressed = toCompressedPublicKey(curve, key)
  const backend = opts?.backend ?? defaultBackend
  return new EcPublicKey(curve, compressed, backend.curves[jwtAlg].importPublicKey(compressed))
}

/** The relay's hot path: parse a `did:key` once, then `verifySync` per commit. Throws InvalidKeyError. */
export function parsePublicKey(didKey: string, opts?: BackendOption): PublicKey {
  const { jwtAlg, keyBytes } = parseDidKey(didKey)
  return publicKeyFromBytes(jwtAlg, keyBytes, opts)
}

// secp256k1 on libsecp256k1 through the `secp256k1` package's N-API binding. The package's
// main entry silently falls back to elliptic (pure JS); loading `secp256k1/bindings` directly
// makes a missing binary visible, and we fall back to @noble/curves instead.
import { createRequire } from 'node:module'
import type { CurveBackend, SigningKey, VerifyingKey } from '../backend.js'
import { InvalidKeyError } from '../errors.js'
import { nodeSha256 } from './sha256.js'

/** The part of the binding's API used here (secp256k1 v5 API.md). */
export interface Secp256k1Binding {
  publicKeyCreate(seckey: Uint8Array, compressed?: boolean): Uint8Array
  publicKeyConvert(pubkey: Uint8Array, compressed?: boolean): Uint8Array
  ecdsaSign(msg32: Uint8Array, seckey: Uint8Array): { signature: Uint8Array; recid: number }
  ecdsaVerify(sig: Uint8Array, msg32: Uint8Array, pubkey: Uint8Array): boolean
}

function loadBinding(): Secp256k1Binding | undefined {
  try {
    return createRequire(import.meta.url)('secp256k1/bindings') as Secp256k1Binding
  } catch {
    return undefined
  }
}

/** The native binding, or undefined where no prebuilt or compiled addon loads. */
export const secp256k1Binding: Secp256k1Binding | undefined = loadBinding()

class NativeK256VerifyingKey implements VerifyingKey {
  constructor(
    private readonly lib: Secp256k1Binding,
    // libsecp256k1 parses the key on every call; the 65-byte form skips the square root.
    private readonly uncompressed: Uint8Array,
  ) {}

  verifyDigest(digest: Uint8Array, sig: Uint8Array): boolean {
    try {
      return this.lib.ecdsaVerify(sig, digest, this.uncompressed)
    } catch {
      return false
    }
  }

  verifyMessage(msg: Uint8Array, sig: Uint8Array): boolean {
    return this.verifyDigest(nodeSha256(msg), sig)
  }
}

export function nativeK256(lib: Secp256k1Binding): CurveBackend {
  return {
    importPublicKey(compressed: Uint8Array): VerifyingKey {
      let uncompressed: Uint8Array
      try {
        uncompressed = lib.publicKeyConvert(compressed, false)
      } catch (err) {
        throw new InvalidKeyError('secp256k1 public key: not a point on the curve', { cause: err })
      }
      return new NativeK256VerifyingKey(lib, uncompressed)
    },
    importPrivateKey(priv: Uint8Array): SigningKey {
      const secret = priv.slice()
      return {
        publicKey: lib.publicKeyCreate(secret, true),
        // RFC 6979 nonce; libsecp256k1 always produces low-S.
        sign: (msg) => lib.ecdsaSign(nodeSha256(msg), secret).signature,
      }
    },
  }
}

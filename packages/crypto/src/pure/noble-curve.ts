import type { ECDSA } from '@noble/curves/abstract/weierstrass.js'
import { sha256 } from '@noble/hashes/sha2.js'
import type { CurveBackend, SigningKey, VerifyingKey } from '../backend.js'
import { InvalidKeyError } from '../errors.js'

// noble re-decodes the public key on every verify; handing it the uncompressed point keeps
// that to an on-curve check instead of a modular square root.
class NobleVerifyingKey implements VerifyingKey {
  constructor(
    private readonly ecdsa: ECDSA,
    private readonly uncompressed: Uint8Array,
  ) {}

  verifyDigest(digest: Uint8Array, sig: Uint8Array): boolean {
    try {
      return this.ecdsa.verify(sig, digest, this.uncompressed, { prehash: false, format: 'compact' })
    } catch {
      return false
    }
  }

  verifyMessage(msg: Uint8Array, sig: Uint8Array): boolean {
    return this.verifyDigest(sha256(msg), sig)
  }
}

export function nobleCurve(ecdsa: ECDSA, name: string): CurveBackend {
  return {
    importPublicKey(compressed: Uint8Array): VerifyingKey {
      let uncompressed: Uint8Array
      try {
        uncompressed = ecdsa.Point.fromBytes(compressed).toBytes(false)
      } catch (err) {
        throw new InvalidKeyError(`${name} public key: not a point on the curve`, { cause: err })
      }
      return new NobleVerifyingKey(ecdsa, uncompressed)
    },
    importPrivateKey(priv: Uint8Array): SigningKey {
      const secret = priv.slice()
      return {
        publicKey: ecdsa.getPublicKey(secret, true),
        // RFC 6979 deterministic nonce; noble already emits low-S.
        sign: (msg) => ecdsa.sign(sha256(msg), secret, { prehash: false, lowS: true, format: 'compact' }),
      }
    },
  }
}

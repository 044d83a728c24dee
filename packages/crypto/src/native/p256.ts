// P-256 on node:crypto (OpenSSL). Keys become KeyObjects once; OpenSSL accepts high-S, which
// is why signatures reach here only after the low-S gate in public-key.ts.
import {
  createPrivateKey,
  createPublicKey,
  sign as cryptoSign,
  verify as cryptoVerify,
  type KeyObject,
} from 'node:crypto'
import type { CurveBackend, SigningKey, VerifyingKey } from '../backend.js'
import { concatBytes, hexToBytes } from '../bytes.js'
import { InvalidKeyError } from '../errors.js'
import { pureBackend } from '../pure/backend.js'
import { toPlainBytes } from './sha256.js'

// SubjectPublicKeyInfo (RFC 5480) for id-ecPublicKey / prime256v1 with a 33-byte compressed
// point, so OpenSSL does the decompression and on-curve check.
const SPKI_COMPRESSED_PREFIX = hexToBytes('3039301306072a8648ce3d020106082a8648ce3d030107032200')

class NodeP256VerifyingKey implements VerifyingKey {
  private readonly verifyKey: { key: KeyObject; dsaEncoding: 'ieee-p1363' }
  private digestVerifier: VerifyingKey | undefined

  constructor(
    key: KeyObject,
    private readonly compressed: Uint8Array,
  ) {
    this.verifyKey = { key, dsaEncoding: 'ieee-p1363' }
  }

  verifyMessage(msg: Uint8Array, sig: Uint8Array): boolean {
    try {
      return cryptoVerify('sha256', msg, this.verifyKey, sig)
    } catch {
      return false
    }
  }

  // node:crypto always hashes what it verifies, so a bare digest goes to the pure backend.
  verifyDigest(digest: Uint8Array, sig: Uint8Array): boolean {
    this.digestVerifier ??= pureBackend.curves.ES256.importPublicKey(this.compressed)
    return this.digestVerifier.verifyDigest(digest, sig)
  }
}

// PKCS #8 (RFC 5208) wrapping an RFC 5915 ECPrivateKey that carries only the scalar; OpenSSL
// derives the public point itself.
const PKCS8_PREFIX = hexToBytes('3041020100301306072a8648ce3d020106082a8648ce3d030107042730250201010420')

export const nodeP256: CurveBackend = {
  importPublicKey(compressed: Uint8Array): VerifyingKey {
    let key: KeyObject
    try {
      key = createPublicKey({
        key: Buffer.from(concatBytes(SPKI_COMPRESSED_PREFIX, compressed)),
        format: 'der',
        type: 'spki',
      })
    } catch (err) {
      throw new InvalidKeyError('P-256 public key: not a point on the curve', { cause: err })
    }
    return new NodeP256VerifyingKey(key, compressed.slice())
  },

  importPrivateKey(priv: Uint8Array): SigningKey {
    const der = Buffer.alloc(PKCS8_PREFIX.length + 32)
    der.set(PKCS8_PREFIX)
    der.set(priv, PKCS8_PREFIX.length)
    let key: KeyObject
    try {
      key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })
    } finally {
      der.fill(0)
    }
    const spki = createPublicKey(key).export({ format: 'der', type: 'spki' })
    const point = spki.subarray(spki.length - 65)
    const publicKey = new Uint8Array(33)
    publicKey[0] = 0x02 | (point[64] & 1)
    publicKey.set(point.subarray(1, 33), 1)
    const signKey = { key, dsaEncoding: 'ieee-p1363' as const }
    return { publicKey, sign: (msg) => toPlainBytes(cryptoSign('sha256', msg, signKey)) }
  },
}

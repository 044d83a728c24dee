import { p256 } from '@noble/curves/nist.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { describe, expect, it } from 'vitest'
import type { Backend } from './backend.js'
import { base58btcEncode } from './base58.js'
import { bigIntToBytes, bytesToBigInt } from './bytes.js'
import { CryptoError, InvalidKeyError } from './errors.js'
import { P256Keypair, Secp256k1Keypair } from './keypair.js'
import { nativeBackend } from './native/backend.js'
import { parsePublicKey, publicKeyFromBytes } from './public-key.js'
import { pureBackend } from './pure/backend.js'
import { verifyDigestSync, verifySignature, verifySignatureSync } from './verify.js'

const backends: Backend[] = [nativeBackend, pureBackend]
const kinds = [
  { Keypair: P256Keypair, noble: p256, codec: [0x80, 0x24] },
  { Keypair: Secp256k1Keypair, noble: secp256k1, codec: [0xe7, 0x01] },
]
const msg = new TextEncoder().encode('{"hello":"world"}')

/** A compressed encoding whose x has no y on the curve, found with noble as the oracle. */
function offCurveKey(noble: typeof p256): Uint8Array {
  for (let x = 1n; ; x++) {
    const key = Uint8Array.of(0x02, ...bigIntToBytes(x, 32))
    try {
      noble.Point.fromBytes(key)
    } catch {
      return key
    }
  }
}

describe.each(backends)('PublicKey on the $name backend', (backend) => {
  describe.each(kinds)('$Keypair.name', ({ Keypair, noble, codec }) => {
    const keypair = Keypair.createSync({ backend })
    const sig = keypair.signSync(msg)
    const key = parsePublicKey(keypair.did(), { backend })

    it('exposes its algorithm, compressed point and did', () => {
      expect(key.jwtAlg).toBe(keypair.jwtAlg)
      expect(key.compressed).toEqual(keypair.publicKeyBytes())
      expect(key.did()).toBe(keypair.did())
      expect(String(key)).toBe(keypair.did())
    })

    it('verifies a digest the caller hashed', () => {
      const digest = backend.sha256(msg)
      expect(key.verifyDigestSync(digest, sig)).toBe(true)
      expect(verifyDigestSync(key, digest, sig)).toBe(true)
      const other = digest.slice()
      other[0] ^= 1
      expect(verifyDigestSync(key, other, sig)).toBe(false)
      expect(() => key.verifyDigestSync(digest.subarray(1), sig)).toThrow(CryptoError)
    })

    it('rejects the high-S twin and the DER form unless malleable signatures are allowed', () => {
      const { n } = noble.Point.CURVE()
      const twin = sig.slice()
      twin.set(bigIntToBytes(n - bytesToBigInt(sig.subarray(32)), 32), 32)
      const der = noble.Signature.fromBytes(sig, 'compact').toBytes('der')
      for (const variant of [twin, der]) {
        expect(key.verifySync(msg, variant)).toBe(false)
        expect(key.verifyDigestSync(backend.sha256(msg), variant)).toBe(false)
        expect(verifySignatureSync(keypair.did(), msg, variant, { backend })).toBe(false)
        expect(key.verifySync(msg, variant, { allowMalleableSig: true })).toBe(true)
      }
    })

    it('answers false, never throws, for garbage signatures', () => {
      for (const bad of [
        new Uint8Array(0),
        new Uint8Array(64).fill(0xff),
        new Uint8Array(72),
        new Uint8Array(1000),
      ]) {
        expect(key.verifySync(msg, bad)).toBe(false)
        expect(key.verifySync(msg, bad, { allowMalleableSig: true })).toBe(false)
      }
    })

    it('accepts an uncompressed point and compresses it', () => {
      const full = noble.Point.fromBytes(key.compressed).toBytes(false)
      const fromFull = publicKeyFromBytes(key.jwtAlg, full, { backend })
      expect(fromFull.compressed).toEqual(key.compressed)
      expect(fromFull.verifySync(msg, sig)).toBe(true)
    })

    it('raises InvalidKeyError for a point that is not on the curve', () => {
      const bad = offCurveKey(noble)
      expect(() => publicKeyFromBytes(key.jwtAlg, bad, { backend })).toThrow(InvalidKeyError)
      const did = `did:key:z${base58btcEncode(Uint8Array.of(...codec, ...bad))}`
      expect(() => parsePublicKey(did, { backend })).toThrow(InvalidKeyError)
      expect(() => verifySignatureSync(did, msg, sig, { backend })).toThrow(InvalidKeyError)
    })
  })
})

describe('verifySignature', () => {
  const keypair = Secp256k1Keypair.createSync()
  const sig = keypair.signSync(msg)

  it('takes a did:key or a parsed key, sync or async', async () => {
    expect(verifySignatureSync(keypair.did(), msg, sig)).toBe(true)
    expect(verifySignatureSync(keypair.publicKey(), msg, sig)).toBe(true)
    expect(await verifySignature(keypair.did(), msg, sig)).toBe(true)
    expect(await verifySignature(keypair.did(), msg.subarray(1), sig)).toBe(false)
  })

  it('keeps working as its key cache turns over', () => {
    const keys = Array.from({ length: 1100 }, () => Secp256k1Keypair.createSync())
    const sigs = keys.map((k) => k.signSync(msg))
    for (let round = 0; round < 2; round++) {
      keys.forEach((k, i) => {
        expect(verifySignatureSync(k.did(), msg, sigs[i])).toBe(true)
      })
    }
    expect(verifySignatureSync(keys[0].did(), msg, sigs[1])).toBe(false)
  })

  it('rejects a malformed did:key with InvalidKeyError', async () => {
    await expect(verifySignature('did:key:zNotAKey', msg, sig)).rejects.toThrow(InvalidKeyError)
    expect(() => verifySignatureSync('did:web:example.com', msg, sig)).toThrow(InvalidKeyError)
  })
})

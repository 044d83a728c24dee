// Pure-JS backend on @noble/curves and @noble/hashes: the browser default. Must never import
// node:* modules or native code (checked by browser-entry.test.ts).
import { p256 } from '@noble/curves/nist.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { sha256 } from '@noble/hashes/sha2.js'
import type { Backend } from '../backend.js'
import { chunkedRandomBytes, webCryptoFill } from '../random.js'
import { nobleCurve } from './noble-curve.js'

export const pureBackend: Backend = {
  name: 'pure',
  implementations: { ES256: '@noble/curves p256', ES256K: '@noble/curves secp256k1' },
  curves: { ES256: nobleCurve(p256, 'P-256'), ES256K: nobleCurve(secp256k1, 'secp256k1') },
  sha256: (bytes) => sha256(bytes),
  randomBytes: chunkedRandomBytes(webCryptoFill),
}

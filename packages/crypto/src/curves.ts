// Domain parameters of the two atproto curves (SEC 2 §2.4.1 for secp256k1, FIPS 186-4 D.1.2.3
// for P-256), and the checks this package makes without a backend: private scalar range,
// public point shape, on-curve test and point compression for legacy uncompressed keys.
import { bigIntToBytes, bytesToBigInt, isZeroConstantTime, lessThanConstantTime } from './bytes.js'
import { InvalidKeyError } from './errors.js'
import type { JwtAlg } from './types.js'

export interface Curve {
  readonly jwtAlg: JwtAlg
  readonly name: string
  /** Field prime. */
  readonly p: bigint
  /** Group order. */
  readonly n: bigint
  readonly a: bigint
  readonly b: bigint
  readonly nBytes: Uint8Array
  /** floor(n / 2): the largest S a low-S signature may carry. */
  readonly halfNBytes: Uint8Array
  readonly pBytes: Uint8Array
}

function makeCurve(jwtAlg: JwtAlg, name: string, p: bigint, n: bigint, a: bigint, b: bigint): Curve {
  return {
    jwtAlg,
    name,
    p,
    n,
    a,
    b,
    nBytes: bigIntToBytes(n, 32),
    halfNBytes: bigIntToBytes(n >> 1n, 32),
    pBytes: bigIntToBytes(p, 32),
  }
}

const P256_P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn

export const P256 = makeCurve(
  'ES256',
  'P-256',
  P256_P,
  0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  P256_P - 3n,
  0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn,
)

export const SECP256K1 = makeCurve(
  'ES256K',
  'secp256k1',
  0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn,
  0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n,
  0n,
  7n,
)

export function curveFor(jwtAlg: JwtAlg): Curve {
  if (jwtAlg === 'ES256') return P256
  if (jwtAlg === 'ES256K') return SECP256K1
  throw new InvalidKeyError(`unsupported key algorithm ${JSON.stringify(String(jwtAlg).slice(0, 32))}`)
}

/** 1 <= d < n, checked without data-dependent branches. */
export function isValidPrivateKey(curve: Curve, priv: Uint8Array): boolean {
  if (!(priv instanceof Uint8Array) || priv.length !== 32) return false
  const nonZero = !isZeroConstantTime(priv)
  const belowN = lessThanConstantTime(priv, curve.nBytes)
  return nonZero && belowN
}

function fieldElementBelowP(curve: Curve, bytes: Uint8Array, offset: number): boolean {
  for (let i = 0; i < 32; i++) {
    const d = bytes[offset + i] - curve.pBytes[i]
    if (d !== 0) return d < 0
  }
  return false
}

/**
 * Shape of a SEC 1 compressed point: 0x02/0x03 then x < p. Whether x lies on the curve costs a
 * square root and is left to the backend when the key is parsed for use.
 */
export function assertCompressedShape(curve: Curve, key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length !== 33) {
    throw new InvalidKeyError(`${curve.name} public key: expected 33 compressed bytes`)
  }
  if (key[0] !== 0x02 && key[0] !== 0x03) {
    throw new InvalidKeyError(`${curve.name} public key: bad compressed prefix 0x${key[0].toString(16)}`)
  }
  if (!fieldElementBelowP(curve, key, 1)) {
    throw new InvalidKeyError(`${curve.name} public key: x coordinate is not a field element`)
  }
}

export function isOnCurve(curve: Curve, x: bigint, y: bigint): boolean {
  const { p, a, b } = curve
  return (y * y - (x * x * x + a * x + b)) % p === 0n
}

/** Compresses a SEC 1 uncompressed point (0x04 || x || y) after checking it lies on the curve. */
export function compressPoint(curve: Curve, key: Uint8Array): Uint8Array {
  if (!(key instanceof Uint8Array) || key.length !== 65 || key[0] !== 0x04) {
    throw new InvalidKeyError(`${curve.name} public key: expected 65 uncompressed bytes starting 0x04`)
  }
  if (!fieldElementBelowP(curve, key, 1) || !fieldElementBelowP(curve, key, 33)) {
    throw new InvalidKeyError(`${curve.name} public key: coordinate is not a field element`)
  }
  const x = bytesToBigInt(key.subarray(1, 33))
  const y = bytesToBigInt(key.subarray(33, 65))
  if (!isOnCurve(curve, x, y))
    throw new InvalidKeyError(`${curve.name} public key: point is not on the curve`)
  const out = new Uint8Array(33)
  out[0] = 0x02 | (key[64] & 1)
  out.set(key.subarray(1, 33), 1)
  return out
}

/** Accepts a compressed or uncompressed key and answers the validated compressed form. */
export function toCompressedPublicKey(curve: Curve, key: Uint8Array): Uint8Array {
  if (key instanceof Uint8Array && key.length === 65) return compressPoint(curve, key)
  assertCompressedShape(curve, key)
  return key.slice()
}

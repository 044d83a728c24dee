import { p256 } from '@noble/curves/nist.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { describe, expect, it } from 'vitest'
import { bigIntToBytes } from './bytes.js'
import {
  assertCompressedShape,
  compressPoint,
  curveFor,
  isValidPrivateKey,
  P256,
  SECP256K1,
  toCompressedPublicKey,
} from './curves.js'
import { InvalidKeyError } from './errors.js'

const cases = [
  { curve: P256, noble: p256 },
  { curve: SECP256K1, noble: secp256k1 },
]

describe.each(cases)('$curve.name parameters', ({ curve, noble }) => {
  it('match the independent @noble/curves definition', () => {
    const ref = noble.Point.CURVE()
    expect(curve.p).toBe(ref.p)
    expect(curve.n).toBe(ref.n)
    expect(((curve.a % ref.p) + ref.p) % ref.p).toBe(ref.a)
    expect(curve.b).toBe(ref.b)
  })

  it('bound private keys to [1, n)', () => {
    const { n } = curve
    expect(isValidPrivateKey(curve, bigIntToBytes(0n, 32))).toBe(false)
    expect(isValidPrivateKey(curve, bigIntToBytes(1n, 32))).toBe(true)
    expect(isValidPrivateKey(curve, bigIntToBytes(n - 1n, 32))).toBe(true)
    expect(isValidPrivateKey(curve, bigIntToBytes(n, 32))).toBe(false)
    expect(isValidPrivateKey(curve, bigIntToBytes(n + 1n, 32))).toBe(false)
    expect(isValidPrivateKey(curve, new Uint8Array(32).fill(0xff))).toBe(false)
    expect(isValidPrivateKey(curve, new Uint8Array(31).fill(1))).toBe(false)
  })

  it('compresses a valid uncompressed point and rejects an off-curve one', () => {
    const priv = noble.utils.randomSecretKey()
    const full = noble.getPublicKey(priv, false)
    expect(compressPoint(curve, full)).toEqual(noble.getPublicKey(priv, true))
    expect(toCompressedPublicKey(curve, full)).toEqual(noble.getPublicKey(priv, true))
    const bent = full.slice()
    bent[64] ^= 1
    expect(() => compressPoint(curve, bent)).toThrow(/not on the curve/)
    const wrongTag = full.slice()
    wrongTag[0] = 0x06
    expect(() => compressPoint(curve, wrongTag)).toThrow(InvalidKeyError)
  })

  it('checks the shape of compressed points', () => {
    const key = noble.getPublicKey(noble.utils.randomSecretKey(), true)
    expect(() => assertCompressedShape(curve, key)).not.toThrow()
    expect(() => assertCompressedShape(curve, key.subarray(1))).toThrow(/33 compressed bytes/)
    expect(() => assertCompressedShape(curve, Uint8Array.of(0x04, ...key.subarray(1)))).toThrow(/prefix/)
    const xIsP = Uint8Array.of(0x02, ...curve.pBytes)
    expect(() => assertCompressedShape(curve, xIsP)).toThrow(/field element/)
  })
})

it('curveFor rejects unknown algorithms', () => {
  expect(curveFor('ES256')).toBe(P256)
  expect(() => curveFor('EdDSA' as never)).toThrow(InvalidKeyError)
})

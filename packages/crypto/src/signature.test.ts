import { p256 } from '@noble/curves/nist.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { bigIntToBytes, bytesToBigInt, hexToBytes } from './bytes.js'
import { P256, SECP256K1 } from './curves.js'
import { InvalidSignatureError } from './errors.js'
import { canonicalSignature, derToCompact, hasScalarsInRange, isHighS, normalizeLowS } from './signature.js'

const cases = [
  { curve: P256, noble: p256 },
  { curve: SECP256K1, noble: secp256k1 },
]

function compactOf(r: bigint, s: bigint): Uint8Array {
  return Uint8Array.of(...bigIntToBytes(r, 32), ...bigIntToBytes(s, 32))
}

describe.each(cases)('$curve.name signatures', ({ curve, noble }) => {
  const scalar = fc.bigInt({ min: 1n, max: curve.n - 1n })

  it('DER decoding agrees with @noble/curves for any r, s', () => {
    fc.assert(
      fc.property(scalar, scalar, (r, s) => {
        const der = new noble.Signature(r, s).toBytes('der')
        expect(derToCompact(der)).toEqual(compactOf(r, s))
      }),
      { numRuns: 300 },
    )
  })

  it('normalizeLowS maps S to min(S, n - S) and never changes the input', () => {
    fc.assert(
      fc.property(scalar, scalar, (r, s) => {
        const sig = compactOf(r, s)
        const copy = sig.slice()
        const low = normalizeLowS(curve, sig)
        expect(sig).toEqual(copy)
        const expected = s > curve.n / 2n ? curve.n - s : s
        expect(bytesToBigInt(low.subarray(32))).toBe(expected)
        expect(low.subarray(0, 32)).toEqual(sig.subarray(0, 32))
        expect(isHighS(curve, low)).toBe(false)
        expect(isHighS(curve, sig)).toBe(s !== expected)
      }),
      { numRuns: 300 },
    )
  })

  it('treats floor(n/2) as the largest low S', () => {
    const half = curve.n >> 1n
    expect(isHighS(curve, compactOf(1n, half))).toBe(false)
    expect(isHighS(curve, compactOf(1n, half + 1n))).toBe(true)
  })

  it('range-checks r and s', () => {
    expect(hasScalarsInRange(curve, compactOf(1n, 1n))).toBe(true)
    expect(hasScalarsInRange(curve, compactOf(0n, 1n))).toBe(false)
    expect(hasScalarsInRange(curve, compactOf(1n, 0n))).toBe(false)
    expect(hasScalarsInRange(curve, compactOf(curve.n, 1n))).toBe(false)
    expect(hasScalarsInRange(curve, compactOf(1n, curve.n))).toBe(false)
  })

  it('canonicalSignature gates on the atproto rules', () => {
    const low = compactOf(5n, 7n)
    const high = compactOf(5n, curve.n - 7n)
    const der = new noble.Signature(5n, curve.n - 7n).toBytes('der')
    expect(canonicalSignature(curve, low)).toBe(low)
    expect(canonicalSignature(curve, high)).toBeNull()
    expect(canonicalSignature(curve, der)).toBeNull()
    expect(canonicalSignature(curve, high, { allowMalleableSig: true })).toEqual(low)
    expect(canonicalSignature(curve, der, { allowMalleableSig: true })).toEqual(low)
    expect(canonicalSignature(curve, low.subarray(1), { allowMalleableSig: true })).toBeNull()
    expect(canonicalSignature(curve, compactOf(0n, 7n), { allowMalleableSig: true })).toBeNull()
    expect(canonicalSignature(curve, 'sig' as never)).toBeNull()
  })
})

describe('strict DER', () => {
  it.each([
    ['non-minimal r', '3007020200010201 01'],
    ['negative r', '3006020180020101'],
    ['trailing bytes', '300702010102010100'],
    ['wrong sequence length', '3007020101020101'],
    ['not a sequence', '3106020101020101'],
    ['r wider than 32 bytes', `302602210101${'00'.repeat(32)}020101`],
    ['zero-length integer', '30050200020101'],
  ])('rejects %s', (_, hex) => {
    expect(() => derToCompact(hexToBytes(hex.replaceAll(' ', '')))).toThrow(InvalidSignatureError)
  })

  it('accepts a 33-byte integer whose sign byte is needed', () => {
    const der = hexToBytes(`302602210080${'00'.repeat(31)}020101`)
    const compact = derToCompact(der)
    expect(compact[0]).toBe(0x80)
    expect(compact[63]).toBe(1)
  })
})

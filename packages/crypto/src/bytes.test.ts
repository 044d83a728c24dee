import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  bigIntToBytes,
  bytesToBigInt,
  bytesToHex,
  compareAt,
  constantTimeEqual,
  hexToBytes,
  lessThanConstantTime,
} from './bytes.js'
import { InvalidEncodingError } from './errors.js'

describe('hex', () => {
  it('round-trips and accepts either case', () => {
    expect(bytesToHex(Uint8Array.of(0, 1, 0xab, 0xff))).toBe('0001abff')
    expect(hexToBytes('0001ABff')).toEqual(Uint8Array.of(0, 1, 0xab, 0xff))
    fc.assert(
      fc.property(fc.uint8Array(), (b) => {
        expect(hexToBytes(bytesToHex(b))).toEqual(b)
      }),
    )
  })

  it.each(['abc', 'zzsecret', '0x00', ' 0', '0g'])('rejects %j without echoing it', (text) => {
    expect(() => hexToBytes(text)).toThrow(InvalidEncodingError)
    try {
      hexToBytes(text)
    } catch (err) {
      expect((err as Error).message).not.toMatch(/secret|0x|0g|abc/)
    }
  })
})

describe('comparisons', () => {
  it('constantTimeEqual agrees with element equality', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 8 }), fc.uint8Array({ maxLength: 8 }), (a, b) => {
        const same = a.length === b.length && a.every((x, i) => x === b[i])
        expect(constantTimeEqual(a, b)).toBe(same)
        expect(constantTimeEqual(a, a.slice())).toBe(true)
      }),
    )
  })

  it('lessThanConstantTime agrees with big-integer comparison', () => {
    const pair = fc
      .integer({ min: 1, max: 6 })
      .chain((n) =>
        fc.tuple(
          fc.uint8Array({ minLength: n, maxLength: n }),
          fc.uint8Array({ minLength: n, maxLength: n }),
        ),
      )
    fc.assert(
      fc.property(pair, ([a, b]) => {
        expect(lessThanConstantTime(a, b)).toBe(bytesToBigInt(a) < bytesToBigInt(b))
        expect(lessThanConstantTime(a, a)).toBe(false)
      }),
      { numRuns: 500 },
    )
  })

  it('compareAt orders big-endian values', () => {
    expect(compareAt(Uint8Array.of(9, 1, 2), 1, Uint8Array.of(1, 3), 2)).toBeLessThan(0)
    expect(compareAt(Uint8Array.of(9, 1, 2), 1, Uint8Array.of(1, 2), 2)).toBe(0)
    expect(compareAt(Uint8Array.of(2, 0), 0, Uint8Array.of(1, 255), 2)).toBeGreaterThan(0)
  })

  it('bigIntToBytes pads and refuses overflow', () => {
    expect(bigIntToBytes(258n, 4)).toEqual(Uint8Array.of(0, 0, 1, 2))
    expect(() => bigIntToBytes(1n << 32n, 4)).toThrow(RangeError)
  })
})

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { base32Decode, base32Encode } from './base32.js'
import { base64Decode, base64Encode } from './base64.js'
import { DataError } from './errors.js'
import { decodeVarint, encodeVarint, varintLength } from './varint.js'

describe('base32', () => {
  it('matches RFC 4648 test vectors (lowercase, unpadded)', () => {
    const vectors: [string, string][] = [
      ['', ''],
      ['f', 'my'],
      ['fo', 'mzxq'],
      ['foo', 'mzxw6'],
      ['foob', 'mzxw6yq'],
      ['fooba', 'mzxw6ytb'],
      ['foobar', 'mzxw6ytboi'],
    ]
    for (const [plain, encoded] of vectors) {
      expect(base32Encode(new TextEncoder().encode(plain))).toBe(encoded)
      expect(new TextDecoder().decode(base32Decode(encoded))).toBe(plain)
    }
  })

  it('round-trips any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 50 }), (b) => {
        expect(base32Decode(base32Encode(b))).toEqual(b)
      }),
    )
  })

  it.each(['MZXQ', 'mzx=', 'mzxw6y', 'mz', 'a', '1', 'mzxw6ytbr'])('rejects %j', (text) => {
    expect(() => base32Decode(text)).toThrow(DataError)
  })
})

describe('base64', () => {
  it('encodes unpadded and agrees with Buffer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 50 }), (b) => {
        const padded = Buffer.from(b).toString('base64')
        expect(base64Encode(b)).toBe(padded.replace(/=+$/, ''))
        expect(base64Decode(padded)).toEqual(b)
        expect(base64Decode(base64Encode(b))).toEqual(b)
      }),
    )
  })

  it.each(['A', 'AB=', 'AB===', 'A=B=', '-_8', 'ab c', 'AB!A', 'AB==AA', 'AQ='])('rejects %j', (text) => {
    expect(() => base64Decode(text)).toThrow(DataError)
  })
})

it('ignores non-zero pad bits, as RFC 4648 3.5 permits (the interop vectors use "123")', () => {
  expect(base64Decode('AR')).toEqual(base64Decode('AQ'))
  expect(base64Decode('123')).toEqual(new Uint8Array([0xd7, 0x6d]))
})

describe('varint', () => {
  it('round-trips safe integers', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (n) => {
        const bytes = encodeVarint(n)
        expect(bytes.length).toBe(varintLength(n))
        expect(decodeVarint(bytes)).toEqual([n, bytes.length])
      }),
    )
    expect(encodeVarint(300)).toEqual(new Uint8Array([0xac, 0x02]))
    expect(decodeVarint(new Uint8Array([9, 0xac, 0x02]), 1)).toEqual([300, 2])
  })

  it.each([
    ['truncated', [0x80], /truncated/],
    ['non-minimal', [0x81, 0x00], /minimal/],
    ['above 2^53', [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10], /2\^53/],
    ['too long', [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], /2\^53/],
  ])('rejects %s', (_, bytes, message) => {
    expect(() => decodeVarint(Uint8Array.from(bytes))).toThrow(message)
  })

  it('rejects negative and fractional input', () => {
    expect(() => encodeVarint(-1)).toThrow(DataError)
    expect(() => encodeVarint(1.5)).toThrow(DataError)
  })
})

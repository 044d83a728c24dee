import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { BASE58_MAX_DECODE_LENGTH, base58btcDecode, base58btcEncode } from './base58.js'
import { InvalidEncodingError } from './errors.js'

const utf8 = (s: string) => new TextEncoder().encode(s)

describe('base58btc', () => {
  it('matches known encodings', () => {
    // Vectors from the base58 IETF draft (draft-msporny-base58), section 5.
    expect(base58btcEncode(utf8('Hello World!'))).toBe('2NEpo7TZRRrLZSi2U')
    expect(base58btcEncode(utf8('The quick brown fox jumps over the lazy dog.'))).toBe(
      'USm3fpXnKG5EUBx2ndxBDMPVciP5hGey2Jh4NDv6gmeo1LkMeiKrLJUUBk6Z',
    )
    expect(base58btcEncode(Uint8Array.of(0, 0, 0x28, 0x7f, 0xb4, 0xcd))).toBe('11233QC4')
    expect(base58btcEncode(new Uint8Array(0))).toBe('')
    expect(base58btcEncode(Uint8Array.of(0))).toBe('1')
  })

  it('decodes known encodings, keeping leading zero bytes', () => {
    expect(base58btcDecode('11233QC4')).toEqual(Uint8Array.of(0, 0, 0x28, 0x7f, 0xb4, 0xcd))
    expect(new TextDecoder().decode(base58btcDecode('2NEpo7TZRRrLZSi2U'))).toBe('Hello World!')
    expect(base58btcDecode('')).toEqual(new Uint8Array(0))
  })

  it('round-trips arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        expect(base58btcDecode(base58btcEncode(bytes))).toEqual(bytes)
      }),
    )
  })

  it.each(['0', 'O', 'I', 'l', '+', ' 2N', 'é', '2N\n'])('rejects %j', (text) => {
    expect(() => base58btcDecode(text)).toThrow(InvalidEncodingError)
  })

  it('refuses inputs past the length limit instead of running quadratic work', () => {
    const long = '2'.repeat(BASE58_MAX_DECODE_LENGTH + 1)
    expect(() => base58btcDecode(long)).toThrow(/exceeds/)
    expect(base58btcDecode('2'.repeat(100), 100).length).toBeGreaterThan(0)
  })
})

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { base58Decode, base58Encode } from './base58.js'
import { InteropError } from './errors.js'

describe('base58', () => {
  it('matches known encodings, leading zeros included', () => {
    expect(base58Encode(Buffer.from('Hello World!'))).toBe('2NEpo7TZRRrLZSi2U')
    expect(base58Encode(Uint8Array.of(0, 0, 0x28, 0x7f, 0xb4, 0xcd))).toBe('11233QC4')
    expect(base58Decode('11233QC4')).toEqual(Uint8Array.of(0, 0, 0x28, 0x7f, 0xb4, 0xcd))
    expect(base58Encode(new Uint8Array())).toBe('')
  })

  it('round-trips any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (b) => {
        expect(base58Decode(base58Encode(b))).toEqual(b)
      }),
    )
  })

  it('rejects characters outside the alphabet and oversized input', () => {
    for (const bad of ['0', 'O', 'I', 'l', '+']) expect(() => base58Decode(`2${bad}`)).toThrow(InteropError)
    expect(() => base58Decode('2'.repeat(5000))).toThrow(/too long/)
  })
})

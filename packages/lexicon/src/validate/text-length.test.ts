import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { countCodePoints, countGraphemes, utf8Length } from './text-length.js'

describe('utf8Length', () => {
  it('agrees with TextEncoder on any string, lone surrogates included', () => {
    const encoder = new TextEncoder()
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 64 }), (s) => {
        expect(utf8Length(s)).toBe(encoder.encode(s).byteLength)
      }),
      { numRuns: 200 },
    )
    for (const s of ['\ud800', '\udc00x', 'a\ud83d', '\ud83d\ude00', 'é', '€', '']) {
      expect(utf8Length(s)).toBe(encoder.encode(s).byteLength)
    }
  })
})

describe('countGraphemes', () => {
  it('counts user-perceived characters', () => {
    expect(countGraphemes('')).toBe(0)
    expect(countGraphemes('abc')).toBe(3)
    expect(countGraphemes('🇩🇪🏳️‍🌈')).toBe(2)
    expect(countGraphemes('👩‍👩‍👦‍👦')).toBe(1)
    expect(countGraphemes('e\u0301')).toBe(1)
  })
  it('stops at the limit it is given', () => {
    expect(countGraphemes('abcdef', 3)).toBe(3)
    expect(countGraphemes('ab', 3)).toBe(2)
  })
})

describe('countCodePoints', () => {
  it('agrees with the string iterator and bounds the grapheme count', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 32 }), (s) => {
        expect(countCodePoints(s)).toBe([...s].length)
        expect(countGraphemes(s)).toBeLessThanOrEqual(countCodePoints(s))
      }),
      { numRuns: 200 },
    )
  })
})

import { describe, expect, it } from 'vitest'
import { InvalidUpdateError } from './errors.js'
import { DEFAULT_LIMITS } from './limits.js'
import { isLink, lexical, link, normalizeValue, sameValue } from './value.js'

const norm = (v: unknown) => normalizeValue(v, DEFAULT_LIMITS)

describe('normalizeValue', () => {
  it('accepts the five value kinds', () => {
    for (const v of [null, true, false, 0, 42, -1.5, 'text', '']) expect(norm(v)).toBe(v)
    const l = norm({ '#': 'other' })
    expect(isLink(l) && l['#']).toBe('other')
    expect(Object.isFrozen(l)).toBe(true)
  })

  it('folds -0 into 0 and copies links', () => {
    expect(Object.is(norm(-0), 0)).toBe(true)
    const raw = { '#': 'x' }
    const l = norm(raw)
    raw['#'] = 'changed'
    expect(l).toEqual({ '#': 'x' })
  })

  it.each([
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
    ['undefined', undefined],
    ['an array', ['a']],
    ['a plain object', { a: 1 }],
    ['a link with extra keys', { '#': 'x', y: 1 }],
    ['a link to an invalid soul', { '#': '' }],
    ['a link to a bad user soul', { '#': '~alice' }],
    ['a lone surrogate', 'a\uD800b'],
    ['a function', () => 1],
    ['a bigint', 1n],
    ['bytes', new Uint8Array(2)],
  ])('rejects %s', (_name, v) => {
    expect(() => norm(v)).toThrow(InvalidUpdateError)
  })

  it('bounds string length', () => {
    const limits = { ...DEFAULT_LIMITS, maxStringLength: 4 }
    expect(normalizeValue('abcd', limits)).toBe('abcd')
    expect(() => normalizeValue('abcde', limits)).toThrow(/longer than 4/)
  })
})

describe('lexical and sameValue', () => {
  it('is the JSON text GUN compares', () => {
    expect(lexical('a')).toBe('"a"')
    expect(lexical(10)).toBe('10')
    expect(lexical(null)).toBe('null')
    expect(lexical(link('s'))).toBe('{"#":"s"}')
  })

  it('tells links from strings and compares links by soul', () => {
    expect(sameValue(link('a'), link('a'))).toBe(true)
    expect(sameValue(link('a'), link('b'))).toBe(false)
    expect(sameValue(link('a'), 'a')).toBe(false)
    expect(sameValue(1, 1)).toBe(true)
  })
})

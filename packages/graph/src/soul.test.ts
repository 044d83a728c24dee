import { describe, expect, it } from 'vitest'
import { InvalidUpdateError } from './errors.js'
import { DEFAULT_LIMITS } from './limits.js'
import { checkProp, checkSoul, isUserSpace, userSoul } from './soul.js'

const did = 'did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme'

describe('checkSoul', () => {
  it('returns null for public souls and the owner for user space', () => {
    expect(checkSoul('people/alice', DEFAULT_LIMITS)).toBeNull()
    expect(checkSoul(`~${did}`, DEFAULT_LIMITS)).toBe(did)
    expect(checkSoul(`~${did}/profile/links`, DEFAULT_LIMITS)).toBe(did)
    expect(userSoul(did)).toBe(`~${did}`)
    expect(userSoul(did, 'p')).toBe(`~${did}/p`)
    expect(isUserSpace(userSoul(did))).toBe(true)
  })

  it.each([
    ['a number', 5],
    ['the empty string', ''],
    ['a lone surrogate', '\uDC00'],
    ['a ~ soul that is not did:key', '~alice'],
    ['a did:plc user soul', '~did:plc:abc'],
    ['a did:key with non-base58 chars', '~did:key:z0OIl'],
    ['an empty did:key id', '~did:key:z'],
    ['an empty path', `~${did}/`],
  ])('rejects %s', (_name, soul) => {
    expect(() => checkSoul(soul, DEFAULT_LIMITS)).toThrow(InvalidUpdateError)
  })

  it('bounds the length', () => {
    const limits = { ...DEFAULT_LIMITS, maxSoulLength: 3 }
    expect(checkSoul('abc', limits)).toBeNull()
    expect(() => checkSoul('abcd', limits)).toThrow(/outside 1..3/)
  })
})

describe('checkProp', () => {
  it('accepts names and rejects empty, long, non-string or ill-formed ones', () => {
    expect(() => checkProp('name', DEFAULT_LIMITS)).not.toThrow()
    expect(() => checkProp('', DEFAULT_LIMITS)).toThrow(InvalidUpdateError)
    expect(() => checkProp(1, DEFAULT_LIMITS)).toThrow(InvalidUpdateError)
    expect(() => checkProp('\uD800', DEFAULT_LIMITS)).toThrow(InvalidUpdateError)
    expect(() => checkProp('x'.repeat(513), DEFAULT_LIMITS)).toThrow(InvalidUpdateError)
  })
})

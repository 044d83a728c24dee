import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { InvalidHandleError } from './errors.js'
import {
  ensureValidHandle,
  hasDisallowedTld,
  isValidHandle,
  normalizeAndEnsureValidHandle,
  normalizeHandle,
} from './handle.js'

const labelChar = fc.constantFrom(...'abcxyzABCXYZ0189-')
const label = fc
  .array(labelChar, { minLength: 1, maxLength: 20 })
  .map((chars) => chars.join(''))
  .filter((l) => !l.startsWith('-') && !l.endsWith('-'))
const validHandle = fc
  .tuple(fc.array(label, { minLength: 1, maxLength: 4 }), label)
  .filter(([, tld]) => !/^[0-9]/.test(tld))
  .map(([labels, tld]) => [...labels, tld].join('.'))

describe('handles', () => {
  it('accepts generated valid handles, in any case', () => {
    fc.assert(
      fc.property(validHandle, (h) => {
        expect(isValidHandle(h), h).toBe(true)
      }),
    )
  })

  it('normalizes idempotently, to lower case, keeping validity', () => {
    fc.assert(
      fc.property(fc.oneof(validHandle, fc.string()), (h) => {
        const once = normalizeHandle(h)
        expect(normalizeHandle(once)).toBe(once)
        expect(once).toBe(h.replace(/[A-Z]/g, (c) => c.toLowerCase()))
        expect(isValidHandle(once)).toBe(isValidHandle(h))
      }),
    )
  })

  it('lower-cases ASCII only', () => {
    expect(normalizeHandle('BlueskyWeb.XYZ')).toBe('blueskyweb.xyz')
    expect(normalizeHandle('İ.TEST')).toBe('İ.test')
    expect(normalizeAndEnsureValidHandle('Alice.Example.COM')).toBe('alice.example.com')
  })

  it('enforces the length limits at their boundaries', () => {
    const label63 = 'a'.repeat(63)
    const at253 = `${[label63, label63, label63].join('.')}.${'b'.repeat(61)}`
    expect(at253.length).toBe(253)
    expect(isValidHandle(at253)).toBe(true)
    expect(isValidHandle(`a${at253}`)).toBe(false)
    expect(isValidHandle(`${label63}.test`)).toBe(true)
    expect(() => ensureValidHandle(`a${label63}.test`)).toThrow(/handle label too long \(64 > 63 chars\)/)
  })

  it('says what is wrong', () => {
    expect(() => ensureValidHandle('john..test')).toThrow(/empty label/)
    expect(() => ensureValidHandle('jo_hn.test')).toThrow(/disallowed character "_" at 2/)
    expect(() => ensureValidHandle('💩.test')).toThrow(/disallowed character "💩"/)
    expect(() => ensureValidHandle('john.-est')).toThrow(/must not start or end with "-"/)
    expect(() => ensureValidHandle('john.0')).toThrow(/top-level label must not start with a digit/)
    expect(() => ensureValidHandle('org')).toThrow(/at least two labels/)
    expect(() => ensureValidHandle(' john.test')).toThrow(/" john.test"/)
    expect(() => ensureValidHandle('')).toThrow(InvalidHandleError)
    expect(() => ensureValidHandle(undefined)).toThrow(/must be a string, got undefined/)
  })

  it('flags TLDs that must never resolve', () => {
    expect(hasDisallowedTld('laptop.local')).toBe(true)
    expect(hasDisallowedTld('blah.ARPA')).toBe(true)
    expect(hasDisallowedTld('handle.invalid')).toBe(true)
    expect(hasDisallowedTld('alice.test')).toBe(false)
    expect(hasDisallowedTld('local.example.com')).toBe(false)
  })
})

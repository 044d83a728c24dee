import { describe, expect, it } from 'vitest'
import { InvalidNsidError } from './errors.js'
import { ensureValidNsid, formatNsid, isValidNsid, isValidNsidGlob, parseNsid } from './nsid.js'

describe('NSIDs', () => {
  it('parses into authority, name and segments', () => {
    expect(parseNsid('com.atproto.sync.getRecord')).toEqual({
      authority: 'sync.atproto.com',
      name: 'getRecord',
      segments: ['com', 'atproto', 'sync', 'getRecord'],
    })
  })

  it('formats from authority and name', () => {
    expect(formatNsid('example.com', 'fooBar')).toBe('com.example.fooBar')
    expect(() => formatNsid('example.com', 'foo-bar')).toThrow(InvalidNsidError)
  })

  it('keeps the name case-sensitive and lets inner authority segments start with a digit', () => {
    expect(isValidNsid('com.example.FooBar')).toBe(true)
    expect(isValidNsid('org.4chan.lex.getThing')).toBe(true)
    expect(isValidNsid('4chan.org.getThing')).toBe(false)
  })

  it('enforces the overall 317-char limit', () => {
    const base = `com.${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.`
    const name = 'n'.repeat(317 - base.length)
    expect(isValidNsid(base + name)).toBe(true)
    expect(() => ensureValidNsid(`${base}${name}x`)).toThrow(/NSID is too long \(318 > 317/)
  })

  it('says what is wrong', () => {
    expect(() => ensureValidNsid('com.example')).toThrow(/at least three segments/)
    expect(() => ensureValidNsid('com.example.3')).toThrow(/name must not start with a digit/)
    expect(() => ensureValidNsid('com.example.foo-bar')).toThrow(/only ASCII letters and digits, found "-"/)
    expect(() => ensureValidNsid('com.exa💩ple.thing')).toThrow(/disallowed character "💩"/)
    expect(() => ensureValidNsid('com.example-.foo')).toThrow(/must not start or end with "-"/)
    expect(() => ensureValidNsid(`com.example.${'o'.repeat(64)}`)).toThrow(/NSID name too long \(64 > 63/)
  })

  it('recognises NSID globs', () => {
    for (const glob of ['*', 'app.bsky.*', 'com.*', 'app.bsky.feed.post'])
      expect(isValidNsidGlob(glob), glob).toBe(true)
    for (const glob of [
      '',
      '.*',
      'app.bsky.feed.p*',
      'app.*.post',
      'app..*',
      '*.bsky',
      '4app.*',
      'app.bsky.**',
    ]) {
      expect(isValidNsidGlob(glob), glob).toBe(false)
    }
  })
})

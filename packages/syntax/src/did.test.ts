import { describe, expect, it } from 'vitest'
import { ensureValidDid, isValidDid, MAX_DID_LENGTH, parseDid } from './did.js'
import { InvalidDidError } from './errors.js'

describe('DIDs', () => {
  it('splits method and identifier', () => {
    expect(parseDid('did:plc:ewvi7nxzyoun6zhxrhs64oiz')).toEqual({
      method: 'plc',
      identifier: 'ewvi7nxzyoun6zhxrhs64oiz',
    })
    expect(parseDid('did:web:localhost%3A1234')).toEqual({ method: 'web', identifier: 'localhost%3A1234' })
    expect(parseDid('did:method::::val').identifier).toBe(':::val')
  })

  it('enforces the 2048-char limit at its boundary', () => {
    const prefix = 'did:plc:'
    expect(isValidDid(prefix + 'a'.repeat(MAX_DID_LENGTH - prefix.length))).toBe(true)
    expect(() => ensureValidDid(prefix + 'a'.repeat(MAX_DID_LENGTH - prefix.length + 1))).toThrow(/too long/)
  })

  it('says what is wrong', () => {
    expect(() => parseDid('DID:plc:abc')).toThrow(/start with lower-case "did:"/)
    expect(() => parseDid('did:PLC:abc')).toThrow(/method must be one or more lower-case letters/)
    expect(() => parseDid('did:m123:abc')).toThrow(/followed by ":"/)
    expect(() => parseDid('did:plc:')).toThrow(/identifier is empty/)
    expect(() => parseDid('did:plc:a/b')).toThrow(/disallowed character "\/" at 9/)
    expect(() => parseDid('did:plc:abc:')).toThrow(/must not end in ":"/)
    expect(() => parseDid('did:plc:abc%')).toThrow(/must not end in "%"/)
    expect(() => parseDid(null)).toThrow(InvalidDidError)
  })
})

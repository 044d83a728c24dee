// Where a did:web document is fetched from (did spec, "did:web in AT Protocol"): hostname-level
// only, https, case-folded; a percent-encoded port only on localhost, over http.
import { describe, expect, it } from 'vitest'
import { DidResolutionError } from '../errors.js'
import { webDocUrl } from './did-resolver.js'

describe('webDocUrl', () => {
  it('maps a hostname did:web to https on the well-known path, lower-cased', () => {
    expect(webDocUrl('did:web:example.com')).toBe('https://example.com/.well-known/did.json')
    expect(webDocUrl('did:web:Example.com')).toBe('https://example.com/.well-known/did.json')
    expect(webDocUrl('did:web:API.Sub.Example.COM')).toBe('https://api.sub.example.com/.well-known/did.json')
    expect(webDocUrl('did:web:xn--bcher-kva.com')).toBe('https://xn--bcher-kva.com/.well-known/did.json')
  })

  it('takes a percent-encoded port on localhost only, over plain http (development)', () => {
    expect(webDocUrl('did:web:localhost')).toBe('http://localhost/.well-known/did.json')
    expect(webDocUrl('did:web:localhost%3A8080')).toBe('http://localhost:8080/.well-known/did.json')
    expect(webDocUrl('did:web:localhost%3a2583')).toBe('http://localhost:2583/.well-known/did.json')
    expect(() => webDocUrl('did:web:example.com%3A8443')).toThrow(/not a hostname/)
    expect(() => webDocUrl('did:web:localhost%3A99999x')).toThrow(DidResolutionError)
  })

  it('refuses paths, bad encoding, non-hostnames and disallowed top-level domains', () => {
    expect(() => webDocUrl('did:web:example.com:user:alice')).toThrow(/path-based/)
    expect(() => webDocUrl('did:web:example.com%2Fevil')).toThrow(/not a hostname/)
    expect(() => webDocUrl('did:web:%E0%A4%A')).toThrow(/percent-encoding/)
    expect(() => webDocUrl('did:web:127.0.0.1')).toThrow(/not a hostname/)
    expect(() => webDocUrl('did:web:printer.local')).toThrow(/top-level domain/)
    expect(() => webDocUrl('did:web:1.0.0.127.in-addr.arpa')).toThrow(/top-level domain/)
  })
})

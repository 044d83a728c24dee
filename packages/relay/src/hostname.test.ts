import { describe, expect, it } from 'vitest'
import { HostError } from './errors.js'
import { hostOfEndpoint, hostOrigin, hostStreamUrl, isLoopbackHost, normalizeHostname } from './hostname.js'

const pub = { allowLoopback: false }
const dev = { allowLoopback: true }

describe('normalizeHostname', () => {
  it('accepts public DNS names, bare or as https origins, in one canonical form', () => {
    expect(normalizeHostname('PDS.Example.COM', pub)).toBe('pds.example.com')
    expect(normalizeHostname('https://pds.example.com/', pub)).toBe('pds.example.com')
    expect(normalizeHostname('wss://pds.example.com', pub)).toBe('pds.example.com')
    expect(normalizeHostname('pds.example.com:443', pub)).toBe('pds.example.com')
  })

  it.each([
    ['localhost:2583', /loopback/],
    ['127.0.0.1:80', /loopback/],
    ['[::1]:80', /loopback/],
    ['10.1.2.3', /IP addresses/],
    ['8.8.8.8', /IP addresses/],
    ['[2001:4860::8888]', /IP addresses/],
    ['pds.example.com:8080', /default port/],
    ['http://pds.example.com', /https/],
    ['https://pds.example.com/xrpc', /path/],
    ['https://user:pw@pds.example.com', /credentials/],
    ['ftp://pds.example.com', /scheme/],
    ['pds.local', /public DNS/],
    ['printer.lan', /public DNS/],
    ['nodots', /DNS name/],
    ['bad_name.example.com', /DNS name/],
    ['', /not a hostname/],
  ])('refuses %j on a public relay', (input, why) => {
    let err: unknown
    try {
      normalizeHostname(input, pub)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(HostError)
    expect((err as HostError).code).toBe('InvalidHostname')
    expect((err as Error).message).toMatch(why)
  })

  it('with loopback allowed, names every loopback spelling localhost:PORT, and needs the port', () => {
    expect(normalizeHostname('localhost:2583', dev)).toBe('localhost:2583')
    expect(normalizeHostname('127.0.0.1:2583', dev)).toBe('localhost:2583')
    expect(normalizeHostname('http://127.0.0.1:2583', dev)).toBe('localhost:2583')
    expect(normalizeHostname('[::1]:2583', dev)).toBe('localhost:2583')
    expect(() => normalizeHostname('localhost', dev)).toThrow(/port/)
    expect(() => normalizeHostname('192.168.1.1:80', dev)).toThrow(/IP addresses/)
  })

  it('builds URLs: wss/https for public hosts, ws/http for loopback', () => {
    expect(hostStreamUrl('pds.example.com')).toBe(
      'wss://pds.example.com/xrpc/com.atproto.sync.subscribeRepos',
    )
    expect(hostOrigin('localhost:2583')).toBe('http://localhost:2583')
    expect(hostStreamUrl('localhost:2583')).toBe('ws://localhost:2583/xrpc/com.atproto.sync.subscribeRepos')
    expect(isLoopbackHost('localhost:2583')).toBe(true)
    expect(isLoopbackHost('pds.example.com')).toBe(false)
  })

  it('maps a DID document PDS endpoint to a host, or to nothing the relay would crawl', () => {
    expect(hostOfEndpoint('https://pds.example.com', pub)).toBe('pds.example.com')
    expect(hostOfEndpoint('http://localhost:2583', pub)).toBeUndefined()
    expect(hostOfEndpoint('http://localhost:2583', dev)).toBe('localhost:2583')
    expect(hostOfEndpoint(undefined, dev)).toBeUndefined()
  })
})

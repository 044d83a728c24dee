import { once } from 'node:events'
import { type AddressInfo, connect, createServer, type LookupFunction } from 'node:net'
import { describe, expect, it } from 'vitest'
import { HostError } from './errors.js'
import {
  guardedLookup,
  hostOfEndpoint,
  hostOrigin,
  hostStreamUrl,
  isLoopbackHost,
  normalizeHostname,
} from './hostname.js'

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

/** What `lookup` answers for `name`: the addresses, or the error's code and message. */
function lookupOnce(
  lookup: LookupFunction,
  name: string,
  all = false,
): Promise<{ addresses?: string[]; code?: string; message?: string }> {
  return new Promise((resolve) => {
    lookup(name, { all } as never, (err: NodeJS.ErrnoException | null, address: unknown) => {
      if (err) resolve({ code: err.code, message: err.message })
      else if (Array.isArray(address)) resolve({ addresses: address.map((a) => a.address) })
      else resolve({ addresses: [address as string] })
    })
  })
}

// A name can pass normalizeHostname and still point inside (DNS rebinding, a public name with a
// private answer): every connection to a host looks it up through guardedLookup.
describe('guardedLookup', () => {
  it('refuses a name whose DNS answer is loopback unless loopback is allowed', async () => {
    // localhost comes from the hosts file, so this needs no DNS server.
    const refused = await lookupOnce(guardedLookup(pub), 'localhost')
    expect(refused.code).toBe('EREFUSED')
    expect(refused.message).toMatch(/refusing localhost: .*loopback/)
    const allowed = await lookupOnce(guardedLookup(dev), 'localhost', true)
    expect(allowed.addresses?.length).toBeGreaterThan(0)
    expect(allowed.addresses!.every((a) => a === '::1' || a.startsWith('127.'))).toBe(true)
  })

  it.each(['10.1.2.3', '192.168.0.10', '172.16.5.4', '169.254.169.254', '100.64.0.1', '0.0.0.0'])(
    'refuses an answer of %s even with loopback allowed',
    async (address) => {
      for (const policy of [pub, dev]) {
        const got = await lookupOnce(guardedLookup(policy), address)
        expect(got.code).toBe('EREFUSED')
      }
    },
  )

  it('passes public answers through, in the shape the caller asked for', async () => {
    expect(await lookupOnce(guardedLookup(pub), '8.8.8.8')).toEqual({ addresses: ['8.8.8.8'] })
    expect(await lookupOnce(guardedLookup(pub), '2001:4860::8888', true)).toEqual({
      addresses: ['2001:4860::8888'],
    })
  })

  it('stops a real socket connection to a loopback server at lookup time', async () => {
    const server = createServer((s) => s.end())
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const port = (server.address() as AddressInfo).port
    const attempt = (policy: { allowLoopback: boolean }) =>
      new Promise<string>((resolve) => {
        const sock = connect({ host: 'localhost', port, family: 4, lookup: guardedLookup(policy) })
        sock.once('connect', () => {
          sock.destroy()
          resolve('connected')
        })
        sock.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message))
      })
    try {
      expect(await attempt(pub)).toBe('EREFUSED')
      expect(await attempt(dev)).toBe('connected')
    } finally {
      server.close()
    }
  })
})

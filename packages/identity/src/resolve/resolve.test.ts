// DID, handle and identity resolution over real sockets on loopback: a small HTTP server plays
// the did:plc directory, the did:web host and the handles' web servers, and a UDP DNS server on
// 127.0.0.1 serves the _atproto TXT records to node:dns.
import { Resolver } from 'node:dns/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Secp256k1Keypair } from '@welkin/crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DidDocument } from '../did-document.js'
import { DidResolutionError, HandleResolutionError } from '../errors.js'
import { createGenesisOp } from '../plc/create.js'
import { formatDidDocument } from '../plc/document.js'
import { opToData } from '../plc/normalize.js'
import { DidResolver } from './did-resolver.js'
import { type DnsTestServer, startDnsTestServer } from './dns-test-server.js'
import { HandleResolver } from './handle-resolver.js'
import { IdentityResolver } from './identity-resolver.js'

let http: Server
let port: number
let dns: DnsTestServer
const docs = new Map<string, DidDocument>()
const wellKnown = new Map<string, string>()
let requests = 0
let alice: { did: string; signingKey: string; doc: DidDocument }
let bob: { did: string; doc: DidDocument }

async function makeIdentity(handle: string) {
  const signing = await Secp256k1Keypair.create()
  const { did, op } = await createGenesisOp(
    { rotationKeys: [signing.did()], signingKey: signing.did(), handle, pds: 'https://pds.test' },
    signing,
  )
  return { did, signingKey: signing.did(), doc: formatDidDocument(opToData(did, op)!) }
}

beforeAll(async () => {
  alice = await makeIdentity('alice.test')
  bob = await makeIdentity('alice.test') // claims alice's handle: must not verify
  docs.set(alice.did, alice.doc)
  docs.set(bob.did, bob.doc)
  http = createServer((req, res) => {
    requests++
    const host = (req.headers.host ?? '').split(':')[0]
    const path = decodeURIComponent(req.url ?? '/')
    if (path === '/.well-known/atproto-did' && wellKnown.has(host)) return res.end(`${wellKnown.get(host)}\n`)
    if (path === '/.well-known/did.json' && host === 'localhost') {
      return res.end(JSON.stringify({ ...alice.doc, id: `did:web:localhost%3A${port}` }))
    }
    if (path === '/did:plc:brokenbrokenbrokenbroken') {
      res.statusCode = 500
      return res.end('{}')
    }
    if (path === '/did:plc:wrongidwrongidwrongidwro') return res.end(JSON.stringify(alice.doc))
    const doc = docs.get(path.slice(1))
    if (!doc) {
      res.statusCode = 404
      return res.end('{"error":"NotFound"}')
    }
    res.setHeader('content-type', 'application/did+ld+json')
    res.end(JSON.stringify(doc))
  })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  port = (http.address() as AddressInfo).port
  dns = await startDnsTestServer({
    '_atproto.alice.test': { txt: [['did=', alice.did], ['v=spf1 -all']] },
    '_atproto.twodids.test': { txt: [[`did=${alice.did}`], [`did=${bob.did}`]] },
    'web.test': { a: ['127.0.0.1'] },
    // DNS and the well-known URL disagree for split.test.
    '_atproto.split.test': { txt: [[`did=${alice.did}`]] },
    'split.test': { a: ['127.0.0.1'] },
    'private.test': { a: ['10.0.0.7'] },
  })
  wellKnown.set('web.test', alice.did)
  wellKnown.set('split.test', bob.did)
})

afterAll(async () => {
  http.closeAllConnections()
  await new Promise((resolve) => http.close(resolve))
  await dns.close()
})

function localLookup() {
  const resolver = new Resolver()
  resolver.setServers([dns.address])
  return (host: string) => resolver.resolve4(host)
}

describe('DidResolver', () => {
  it('resolves did:plc from the configured directory and caches it', async () => {
    const resolver = new DidResolver({ plcUrl: `http://127.0.0.1:${port}/` })
    const before = requests
    expect((await resolver.resolve(alice.did))?.id).toBe(alice.did)
    expect((await resolver.resolve(alice.did))?.id).toBe(alice.did)
    expect(requests - before).toBe(1)
    await resolver.resolve(alice.did, { forceRefresh: true })
    expect(requests - before).toBe(2)
    expect(await resolver.resolveAtprotoData(alice.did)).toEqual({
      did: alice.did,
      handle: 'alice.test',
      signingKey: alice.signingKey,
      pds: 'https://pds.test',
    })
  })

  it('answers null for an unknown DID and errors for a failing directory or a wrong document', async () => {
    const resolver = new DidResolver({ plcUrl: `http://127.0.0.1:${port}`, cache: false })
    expect(await resolver.resolve('did:plc:aaaaaaaaaaaaaaaaaaaaaaaa')).toBeNull()
    await expect(resolver.ensureResolve('did:plc:aaaaaaaaaaaaaaaaaaaaaaaa')).rejects.toThrow(/not found/)
    await expect(resolver.resolve('did:plc:brokenbrokenbrokenbroken')).rejects.toThrow(/HTTP 500/)
    await expect(resolver.resolve('did:plc:wrongidwrongidwrongidwro')).rejects.toThrow(
      /is not the DID resolved/,
    )
    await expect(resolver.resolve('did:plc:short')).rejects.toBeInstanceOf(DidResolutionError)
    await expect(resolver.resolve('did:key:zQ3shabc')).rejects.toThrow(/unsupported DID method/)
    await expect(resolver.resolve('not a did')).rejects.toBeInstanceOf(DidResolutionError)
  })

  it('resolves hostname did:web, refusing loopback unless allowed and refusing paths', async () => {
    const did = `did:web:localhost%3A${port}`
    await expect(new DidResolver().resolve(did)).rejects.toThrow(/loopback/)
    const allowed = new DidResolver({ webPolicy: { allowLoopback: true } })
    expect((await allowed.resolve(did))?.id).toBe(did)
    await expect(allowed.resolve('did:web:example.com:user:alice')).rejects.toThrow(/path-based/)
    await expect(allowed.resolve('did:web:example.com%3A8080')).rejects.toThrow(/not a hostname/)
  })
})

describe('HandleResolver', () => {
  it('reads the _atproto TXT record through node:dns, ignoring other records', async () => {
    const resolver = new HandleResolver({ dnsServers: [dns.address], cache: false })
    expect(await resolver.resolveDns('alice.test')).toBe(alice.did)
    expect(await resolver.resolveDns('ALICE.test')).toBe(alice.did)
    expect(await resolver.resolveDns('nobody.test')).toBeNull()
    expect(await resolver.resolveDns('twodids.test')).toBeNull()
  })

  it('falls back to the well-known URL, under the address policy', async () => {
    const lookup = localLookup()
    const open = new HandleResolver({
      dnsServers: [dns.address],
      lookup,
      insecureHttpPort: port,
      webPolicy: { allowLoopback: true },
    })
    expect(await open.resolve('web.test')).toBe(alice.did)
    const strict = new HandleResolver({ dnsServers: [dns.address], lookup, insecureHttpPort: port })
    expect(await strict.resolve('web.test')).toBeNull()
    await expect(strict.resolveHttp('private.test')).rejects.toThrow(/private/)
  })

  it('prefers the DNS record when DNS and the well-known URL name different DIDs', async () => {
    const resolver = new HandleResolver({
      dnsServers: [dns.address],
      lookup: localLookup(),
      insecureHttpPort: port,
      webPolicy: { allowLoopback: true },
      cache: false,
    })
    // Both methods answer, and disagree.
    expect(await resolver.resolveDns('split.test')).toBe(alice.did)
    expect(await resolver.resolveHttp('split.test')).toBe(bob.did)
    // The documented precedence: the DNS answer wins when it exists.
    expect(await resolver.resolve('split.test')).toBe(alice.did)
    expect(await resolver.resolveNoCache('Split.Test')).toBe(alice.did)
  })

  it('refuses invalid handles and disallowed TLDs', async () => {
    const resolver = new HandleResolver({ dnsServers: [dns.address] })
    await expect(resolver.resolve('laptop.local')).rejects.toBeInstanceOf(HandleResolutionError)
    await expect(resolver.resolve('not a handle')).rejects.toBeInstanceOf(HandleResolutionError)
  })
})

describe('IdentityResolver', () => {
  function identity() {
    return new IdentityResolver({
      did: { plcUrl: `http://127.0.0.1:${port}` },
      handle: {
        dnsServers: [dns.address],
        lookup: localLookup(),
        insecureHttpPort: port,
        webPolicy: { allowLoopback: true },
      },
    })
  }

  it('verifies a handle both ways, from the DID or from the handle', async () => {
    const fromDid = await identity().resolve(alice.did)
    expect(fromDid).toMatchObject({
      did: alice.did,
      handle: 'alice.test',
      signingKey: alice.signingKey,
      pds: 'https://pds.test',
    })
    const fromHandle = await identity().resolve('@Alice.test')
    expect(fromHandle.did).toBe(alice.did)
    expect(fromHandle.handle).toBe('alice.test')
  })

  it('does not verify a handle the DID claims but the handle does not point back to', async () => {
    const result = await identity().resolve(bob.did)
    expect(result.claimedHandle).toBe('alice.test')
    expect(result.handle).toBeUndefined()
  })

  it('reports a handle that resolves nowhere', async () => {
    await expect(identity().resolve('nobody.test')).rejects.toThrow(/no DNS TXT record/)
  })
})

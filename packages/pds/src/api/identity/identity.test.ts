// Handles on the user's own domain: updateHandle checks that the domain already points at the
// DID, and resolveHandle looks beyond local accounts. A test web server stands in for the
// domain (the resolver is told to reach it over plain HTTP on loopback).
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { AtpAgent } from '@atproto/api'
import { IdentityResolver } from '@welkin/identity'
import { openPlcStore, PlcDirectory, type PlcServer, startPlcServer } from '@welkin/plc'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startPds, type TestPds } from '../../server.js'

describe('handles on outside domains', () => {
  let plc: PlcServer
  let pds: TestPds
  let web: Server
  let agent: AtpAgent
  let did: string
  // What the stand-in web server answers at /.well-known/atproto-did, by Host.
  const published = new Map<string, string>()

  beforeAll(async () => {
    web = createServer((req, res) => {
      const host = (req.headers.host ?? '').replace(/:\d+$/, '')
      const body = req.url === '/.well-known/atproto-did' ? published.get(host) : undefined
      res.writeHead(body ? 200 : 404, { 'content-type': 'text/plain' }).end(body ?? 'not found')
    })
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', r))
    plc = await startPlcServer(new PlcDirectory(await openPlcStore({})), { port: 0 })
    const resolver = new IdentityResolver({
      did: { plcUrl: plc.url, cache: false },
      handle: {
        insecureHttpPort: (web.address() as AddressInfo).port,
        lookup: async () => ['127.0.0.1'],
        webPolicy: { allowLoopback: true },
        dnsServers: ['127.0.0.1:9'],
        timeoutMs: 1000,
        cache: false,
      },
    })
    pds = await startPds({ didPlcUrl: plc.url }, { resolver })
    agent = new AtpAgent({ service: pds.url })
    did = (await agent.createAccount({ handle: 'ivan.test', password: 'ivan password' })).data.did
  })

  afterAll(async () => {
    await pds?.cleanup()
    await plc?.close()
    await new Promise((r) => web?.close(r))
  })

  it('takes a domain handle only once the domain names the DID', async () => {
    await expect(
      agent.com.atproto.identity.updateHandle({ handle: 'ivan.example.com' }),
    ).rejects.toMatchObject({
      error: 'InvalidHandle',
    })
    published.set('ivan.example.com', 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa')
    await expect(
      agent.com.atproto.identity.updateHandle({ handle: 'ivan.example.com' }),
    ).rejects.toMatchObject({
      error: 'InvalidHandle',
    })
    published.set('ivan.example.com', did)
    await agent.com.atproto.identity.updateHandle({ handle: 'Ivan.Example.com' })
    const doc = (await (await fetch(`${plc.url}/${did}`)).json()) as { alsoKnownAs: string[] }
    expect(doc.alsoKnownAs).toEqual(['at://ivan.example.com'])
    expect((await agent.com.atproto.server.getSession()).data.handle).toBe('ivan.example.com')
  })

  it('resolves handles hosted elsewhere through the resolver, and refuses unresolvable ones', async () => {
    published.set('someone.example.org', 'did:plc:bbbbbbbbbbbbbbbbbbbbbbbb')
    const { data } = await agent.com.atproto.identity.resolveHandle({ handle: 'someone.example.org' })
    expect(data.did).toBe('did:plc:bbbbbbbbbbbbbbbbbbbbbbbb')
    await expect(
      agent.com.atproto.identity.resolveHandle({ handle: 'nobody.example.org' }),
    ).rejects.toMatchObject({
      status: 400,
      error: 'HandleNotFound',
    })
  })

  it('never looks up an unknown service-domain handle elsewhere', async () => {
    published.set('ghost.test', 'did:plc:cccccccccccccccccccccccc')
    await expect(agent.com.atproto.identity.resolveHandle({ handle: 'ghost.test' })).rejects.toMatchObject({
      error: 'HandleNotFound',
    })
  })
})

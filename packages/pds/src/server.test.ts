// Account and session lifecycle through the official client (@atproto/api AtpAgent) against a
// real PDS and an in-process Welkin PLC directory, plus the plain routes and a restart.
import { request } from 'node:http'
import { AtpAgent } from '@atproto/api'
import { openPlcStore, PlcDirectory, type PlcServer, startPlcServer } from '@welkin/plc'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeEventFrame } from './events.js'
import { startPds, type TestPds } from './server.js'

interface Reply {
  status: number
  body: { error?: string; message?: string; [k: string]: unknown }
}

async function xrpc(
  pds: TestPds,
  nsid: string,
  opts: { params?: Record<string, string>; body?: unknown; token?: string } = {},
): Promise<Reply> {
  const url = new URL(`/xrpc/${nsid}`, pds.url)
  for (const [k, v] of Object.entries(opts.params ?? {})) url.searchParams.set(k, v)
  const headers: Record<string, string> = {}
  if (opts.token) headers.authorization = `Bearer ${opts.token}`
  if (opts.body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(url, {
    method: opts.body === undefined ? 'GET' : 'POST',
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  })
  const text = await res.text()
  return { status: res.status, body: text ? JSON.parse(text) : {} }
}

function getWithHost(url: string, path: string, host: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, url), { headers: { host } }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (c) => {
        text += c
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('PDS accounts and sessions (official client)', () => {
  let plc: PlcServer
  let pds: TestPds
  let agent: AtpAgent
  let did: string
  const password = 'correct horse battery staple'

  beforeAll(async () => {
    plc = await startPlcServer(new PlcDirectory(await openPlcStore({})), { port: 0 })
    pds = await startPds({ didPlcUrl: plc.url }, { refreshGraceSec: 0 })
    agent = new AtpAgent({ service: pds.ctx.config.service.publicUrl })
  })

  afterAll(async () => {
    await pds?.cleanup()
    await plc?.close()
  })

  it('describes the server', async () => {
    const { data } = await agent.com.atproto.server.describeServer()
    expect(data.did).toBe(pds.ctx.config.service.did)
    expect(data.availableUserDomains).toEqual(['.test'])
    expect(data.inviteCodeRequired).toBe(false)
  })

  it('signs up: a did:plc registered at the directory, a DID document the client follows', async () => {
    const res = await agent.createAccount({ handle: 'alice.test', email: 'alice@example.com', password })
    did = res.data.did
    expect(did).toMatch(/^did:plc:[a-z2-7]{24}$/)
    expect(res.data.handle).toBe('alice.test')
    // The client took the PDS endpoint from the returned document (its own parsing rules).
    expect(agent.pdsUrl?.origin).toBe(new URL(pds.ctx.config.service.publicUrl).origin)
    const doc = (await (await fetch(`${plc.url}/${did}`)).json()) as Record<string, unknown>
    expect(doc).toEqual(res.data.didDoc)
    const data = (await (await fetch(`${plc.url}/${did}/data`)).json()) as { rotationKeys: string[] }
    expect(data.rotationKeys).toEqual([pds.ctx.store.secrets.plcRotationKey.did()])
    const types = pds.ctx.store.events
      .read(0, 100)
      .filter((e) => e.did === did)
      .map((e) => decodeEventFrame(e.frame).type)
    expect(types).toEqual(['#identity', '#account', '#commit', '#sync'])
  })

  it('refuses a second account with the same handle or email', async () => {
    const other = new AtpAgent({ service: pds.url })
    await expect(
      other.createAccount({ handle: 'alice.test', email: 'x@example.com', password }),
    ).rejects.toMatchObject({
      error: 'HandleNotAvailable',
    })
    await expect(
      other.createAccount({ handle: 'alice3.test', email: 'alice@example.com', password }),
    ).rejects.toMatchObject({ status: 400 })
  })

  it('logs in by handle and by email, and reports the session', async () => {
    const byHandle = new AtpAgent({ service: pds.url })
    await byHandle.login({ identifier: 'alice.test', password })
    expect(byHandle.session?.did).toBe(did)
    const byEmail = new AtpAgent({ service: pds.url })
    await byEmail.login({ identifier: 'ALICE@example.com', password })
    const { data } = await byEmail.com.atproto.server.getSession()
    expect(data).toMatchObject({ did, handle: 'alice.test', email: 'alice@example.com', active: true })
    await expect(byEmail.login({ identifier: 'alice.test', password: 'wrong' })).rejects.toMatchObject({
      status: 401,
      error: 'AuthenticationRequired',
    })
  })

  it('rotates refresh tokens; reusing a spent one fails and revokes the chain', async () => {
    const a = new AtpAgent({ service: pds.url })
    await a.login({ identifier: 'alice.test', password })
    const first = a.session!.refreshJwt
    await a.sessionManager.refreshSession()
    const second = a.session!.refreshJwt
    expect(second).not.toBe(first)
    const reused = await fetch(`${pds.url}/xrpc/com.atproto.server.refreshSession`, {
      method: 'POST',
      headers: { authorization: `Bearer ${first}` },
    })
    expect(reused.status).toBe(400)
    expect(((await reused.json()) as { error: string }).error).toBe('ExpiredToken')
    const after = await fetch(`${pds.url}/xrpc/com.atproto.server.refreshSession`, {
      method: 'POST',
      headers: { authorization: `Bearer ${second}` },
    })
    expect(after.status).toBe(400)
  })

  it('answers a refresh token used as an access token with InvalidToken', async () => {
    const a = new AtpAgent({ service: pds.url })
    await a.login({ identifier: 'alice.test', password })
    const r = await xrpc(pds, 'com.atproto.server.getSession', { token: a.session!.refreshJwt })
    expect(r).toMatchObject({ status: 401, body: { error: 'InvalidToken' } })
  })

  it('logs out: deleteSession revokes the refresh token', async () => {
    const a = new AtpAgent({ service: pds.url })
    await a.login({ identifier: 'alice.test', password })
    const refresh = a.session!.refreshJwt
    await a.logout()
    const r = await fetch(`${pds.url}/xrpc/com.atproto.server.refreshSession`, {
      method: 'POST',
      headers: { authorization: `Bearer ${refresh}` },
    })
    expect(r.status).toBe(400)
  })

  it('changes the handle with a signed PLC update and an #identity event', async () => {
    const before = pds.ctx.store.sequencer.nextSeq
    await agent.com.atproto.identity.updateHandle({ handle: 'alice2.test' })
    const audit = (await (await fetch(`${plc.url}/${did}/log/audit`)).json()) as {
      operation: { alsoKnownAs: string[]; prev: string | null; sig: string }
      cid: string
    }[]
    expect(audit).toHaveLength(2)
    expect(audit[1].operation.prev).toBe(audit[0].cid)
    expect(audit[1].operation.alsoKnownAs).toEqual(['at://alice2.test'])
    const doc = (await (await fetch(`${plc.url}/${did}`)).json()) as { alsoKnownAs: string[] }
    expect(doc.alsoKnownAs).toEqual(['at://alice2.test'])
    const events = pds.ctx.store.events.read(before - 1, 10).map((e) => decodeEventFrame(e.frame))
    expect(events).toHaveLength(1)
    expect(events[0]).toMatchObject({ type: '#identity', body: { did, handle: 'alice2.test' } })
    const { data } = await agent.com.atproto.server.getSession()
    expect(data.handle).toBe('alice2.test')
  })

  it('refuses a handle outside the service domains that does not resolve to the account', async () => {
    await expect(
      agent.com.atproto.identity.updateHandle({ handle: 'alice.example.com' }),
    ).rejects.toMatchObject({
      status: 400,
      error: 'InvalidHandle',
    })
    await expect(agent.com.atproto.identity.updateHandle({ handle: 'x.test' })).rejects.toMatchObject({
      status: 400,
      error: 'InvalidHandle',
    })
  })

  it('resolves local handles, and says HandleNotFound for unknown ones', async () => {
    const { data } = await agent.com.atproto.identity.resolveHandle({ handle: 'ALICE2.test' })
    expect(data.did).toBe(did)
    await expect(agent.com.atproto.identity.resolveHandle({ handle: 'nobody.test' })).rejects.toMatchObject({
      status: 400,
      error: 'HandleNotFound',
    })
  })

  it('serves /.well-known/atproto-did by Host for service-domain handles only', async () => {
    expect(await getWithHost(pds.url, '/.well-known/atproto-did', 'alice2.test')).toEqual({
      status: 200,
      text: did,
    })
    expect(await getWithHost(pds.url, '/.well-known/atproto-did', 'ALICE2.test:2583')).toEqual({
      status: 200,
      text: did,
    })
    expect((await getWithHost(pds.url, '/.well-known/atproto-did', 'alice.test')).status).toBe(404)
    expect((await getWithHost(pds.url, '/.well-known/atproto-did', 'localhost')).status).toBe(404)
    expect((await getWithHost(pds.url, '/.well-known/atproto-did', '[::1]:80')).status).toBe(404)
  })

  it('serves the health check, a banner and the service did:web document', async () => {
    expect(await (await fetch(`${pds.url}/xrpc/_health`)).json()).toEqual({ version: '0.1.0' })
    const home = await fetch(`${pds.url}/`)
    expect(home.headers.get('content-type')).toContain('text/plain')
    expect(await home.text()).toContain('/xrpc/')
    const doc = (await (await fetch(`${pds.url}/.well-known/did.json`)).json()) as {
      id: string
      service: { serviceEndpoint: string }[]
    }
    expect(doc.id).toBe('did:web:localhost')
    expect(doc.service[0].serviceEndpoint).toBe(pds.ctx.config.service.publicUrl)
  })

  it('keeps accounts across a restart', async () => {
    const dir = pds.dataDirectory
    const remove = pds.cleanup
    await pds.close()
    const again = await startPds({ didPlcUrl: plc.url, dataDirectory: dir }, { refreshGraceSec: 0 })
    pds = {
      ...again,
      async cleanup() {
        await again.close()
        await remove()
      },
    }
    const a = new AtpAgent({ service: pds.url })
    await a.login({ identifier: 'alice2.test', password })
    expect(a.session?.did).toBe(did)
  })
})

describe('PDS access token expiry', () => {
  let plc: PlcServer
  let pds: TestPds

  beforeAll(async () => {
    plc = await startPlcServer(new PlcDirectory(await openPlcStore({})), { port: 0 })
    pds = await startPds({ didPlcUrl: plc.url }, { accessTokenTtlSec: 3 })
  })

  afterAll(async () => {
    await pds?.cleanup()
    await plc?.close()
  })

  it('answers an expired access token with 400 ExpiredToken, which the client refreshes past', async () => {
    const agent = new AtpAgent({ service: pds.url })
    await agent.createAccount({ handle: 'bob.test', password: 'bob password' })
    const stale = agent.session!.accessJwt
    // `exp` counts whole seconds: a 3 s token lives 2-3 s, long enough for the retry on a loaded machine.
    await new Promise((r) => setTimeout(r, 3100))
    const raw = await xrpc(pds, 'com.atproto.server.getSession', { token: stale })
    expect(raw).toMatchObject({ status: 400, body: { error: 'ExpiredToken' } })
    const { data } = await agent.com.atproto.server.getSession()
    expect(data.handle).toBe('bob.test')
    expect(agent.session!.accessJwt).not.toBe(stale)
  })

  it('gives a spent refresh token the same successor within the grace period', async () => {
    const agent = new AtpAgent({ service: pds.url })
    await agent.login({ identifier: 'bob.test', password: 'bob password' })
    const first = agent.session!.refreshJwt
    await agent.sessionManager.refreshSession()
    const retry = await fetch(`${pds.url}/xrpc/com.atproto.server.refreshSession`, {
      method: 'POST',
      headers: { authorization: `Bearer ${first}` },
    })
    expect(retry.status).toBe(200)
    const body = (await retry.json()) as { did: string; refreshJwt: string }
    expect(body.did).toBe(agent.session!.did)
    const jti = (t: string) => JSON.parse(Buffer.from(t.split('.')[1], 'base64url').toString()).jti
    expect(jti(body.refreshJwt)).toBe(jti(agent.session!.refreshJwt))
  })
})

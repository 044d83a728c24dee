// The account holder's other methods: app passwords, service auth, deactivation, account
// status, self-service deletion with a logged token.
import { AtpAgent } from '@atproto/api'
import { Secp256k1Keypair, verifySignature } from '@welkin/crypto'
import { openPlcStore, PlcDirectory, type PlcServer, startPlcServer } from '@welkin/plc'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeEventFrame } from '../../events.js'
import { startPds, type TestPds } from '../../server.js'

describe('account self-service', () => {
  let plc: PlcServer
  let pds: TestPds
  let agent: AtpAgent
  let did: string
  const logged: { msg: string; fields?: Record<string, unknown> }[] = []
  const password = 'frank password'

  beforeAll(async () => {
    plc = await startPlcServer(new PlcDirectory(await openPlcStore({})), { port: 0 })
    pds = await startPds({ didPlcUrl: plc.url }, { log: (msg, fields) => logged.push({ msg, fields }) })
    agent = new AtpAgent({ service: pds.url })
    did = (await agent.createAccount({ handle: 'frank.test', password })).data.did
  })

  afterAll(async () => {
    await pds?.cleanup()
    await plc?.close()
  })

  it('app passwords log in with a narrower scope and can be revoked', async () => {
    const { data } = await agent.com.atproto.server.createAppPassword({ name: 'phone' })
    expect(data.password).toMatch(/^[a-z2-7]{4}(-[a-z2-7]{4}){3}$/)
    const app = new AtpAgent({ service: pds.url })
    await app.login({ identifier: 'frank.test', password: data.password })
    const scope = JSON.parse(Buffer.from(app.session!.accessJwt.split('.')[1], 'base64url').toString()).scope
    expect(scope).toBe('com.atproto.appPass')
    await expect(app.com.atproto.server.createAppPassword({ name: 'sneaky' })).rejects.toMatchObject({
      status: 401,
    })
    const list = await app.com.atproto.server.listAppPasswords()
    expect(list.data.passwords.map((p) => p.name)).toEqual(['phone'])
    await app.sessionManager.refreshSession()
    await agent.com.atproto.server.revokeAppPassword({ name: 'phone' })
    await expect(app.sessionManager.refreshSession()).rejects.toMatchObject({ error: 'ExpiredToken' })
    await expect(
      new AtpAgent({ service: pds.url }).login({ identifier: 'frank.test', password: data.password }),
    ).rejects.toMatchObject({ status: 401 })
  })

  it('signs service-auth tokens with the repo signing key', async () => {
    const { data } = await agent.com.atproto.server.getServiceAuth({
      aud: 'did:web:api.example.com',
      lxm: 'app.bsky.feed.getTimeline',
    })
    const [h, p, s] = data.token.split('.')
    const header = JSON.parse(Buffer.from(h, 'base64url').toString())
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString())
    expect(header).toEqual({ typ: 'JWT', alg: 'ES256K' })
    expect(payload).toMatchObject({
      iss: did,
      aud: 'did:web:api.example.com',
      lxm: 'app.bsky.feed.getTimeline',
    })
    const doc = (await (await fetch(`${plc.url}/${did}/data`)).json()) as {
      verificationMethods: { atproto: string }
    }
    expect(
      await verifySignature(
        doc.verificationMethods.atproto,
        Buffer.from(`${h}.${p}`),
        Buffer.from(s, 'base64url'),
      ),
    ).toBe(true)
    const far = Math.floor(Date.now() / 1000) + 7200
    await expect(
      agent.com.atproto.server.getServiceAuth({ aud: 'did:web:api.example.com', exp: far }),
    ).rejects.toMatchObject({ error: 'BadExpiration' })
  })

  it('reports account status for a migration check', async () => {
    const { data } = await agent.com.atproto.server.checkAccountStatus()
    expect(data).toMatchObject({ activated: true, validDid: true, indexedRecords: 0, privateStateValues: 0 })
    expect(data.repoCommit).toMatch(/^bafy/)
  })

  it('deactivates and reactivates with #account events, a fresh commit and a #sync', async () => {
    const seq = pds.ctx.store.sequencer.nextSeq
    await agent.com.atproto.server.deactivateAccount({})
    expect((await agent.com.atproto.server.getSession()).data).toMatchObject({
      active: false,
      status: 'deactivated',
    })
    await agent.com.atproto.server.activateAccount()
    const events = pds.ctx.store.events.read(seq - 1, 10).map((e) => decodeEventFrame(e.frame))
    expect(events.map((e) => [e.type, e.body.active])).toEqual([
      ['#account', false],
      ['#account', true],
      ['#commit', undefined],
      ['#sync', undefined],
    ])
  })

  it('recommends DID credentials naming this server', async () => {
    const { data } = await agent.com.atproto.identity.getRecommendedDidCredentials()
    const onPlc = (await (await fetch(`${plc.url}/${did}/data`)).json()) as Record<string, unknown>
    expect(data.rotationKeys).toEqual(onPlc.rotationKeys)
    expect(data.verificationMethods).toEqual(onPlc.verificationMethods)
    expect(data.alsoKnownAs).toEqual(onPlc.alsoKnownAs)
    expect(data.services).toEqual(onPlc.services)
  })

  it('signs and submits a PLC operation with the logged token', async () => {
    await agent.com.atproto.identity.requestPlcOperationSignature()
    const token = logged.findLast((l) => l.msg.startsWith('PLC operation'))?.fields?.token as string
    expect(token).toMatch(/^[A-Z2-7]{5}-[A-Z2-7]{5}$/)
    await expect(
      agent.com.atproto.identity.signPlcOperation({ token: 'AAAAA-AAAAA', alsoKnownAs: ['at://frank.test'] }),
    ).rejects.toMatchObject({ error: 'InvalidToken' })
    await expect(
      agent.com.atproto.identity.signPlcOperation({ token, verificationMethods: { atproto: 'not a key' } }),
    ).rejects.toMatchObject({ status: 400 })
    const extra = Secp256k1Keypair.createSync().did()
    const signed = await agent.com.atproto.identity.signPlcOperation({
      token: token.toLowerCase(),
      alsoKnownAs: ['at://frank.test', 'https://frank.example.com'],
    })
    const op = signed.data.operation as { alsoKnownAs: string[]; rotationKeys: string[] }
    expect(op.alsoKnownAs).toEqual(['at://frank.test', 'https://frank.example.com'])
    // An op that drops this server's key is refused before it reaches the directory.
    const breaking = await agent.com.atproto.identity.signPlcOperation({ token, rotationKeys: [extra] })
    await expect(
      agent.com.atproto.identity.submitPlcOperation({ operation: breaking.data.operation }),
    ).rejects.toMatchObject({ status: 400 })
    const seq = pds.ctx.store.sequencer.nextSeq
    await agent.com.atproto.identity.submitPlcOperation({ operation: signed.data.operation })
    const doc = (await (await fetch(`${plc.url}/${did}`)).json()) as { alsoKnownAs: string[] }
    expect(doc.alsoKnownAs).toEqual(op.alsoKnownAs)
    const events = pds.ctx.store.events.read(seq - 1, 10).map((e) => decodeEventFrame(e.frame))
    expect(events).toEqual([expect.objectContaining({ type: '#identity' })])
  })

  it('deletes the account with the password and the logged token', async () => {
    await agent.com.atproto.server.requestAccountDelete()
    const token = logged.findLast((l) => l.msg.startsWith('account deletion'))?.fields?.token as string
    const del = (body: object) => agent.com.atproto.server.deleteAccount(body as never)
    await expect(del({ did, password: 'wrong', token })).rejects.toMatchObject({ status: 401 })
    await expect(del({ did, password, token: 'AAAAA-AAAAA' })).rejects.toMatchObject({
      error: 'InvalidToken',
    })
    const seq = pds.ctx.store.sequencer.nextSeq
    await del({ did, password, token })
    const events = pds.ctx.store.events.read(seq - 1, 10).map((e) => decodeEventFrame(e.frame))
    expect(events).toEqual([
      expect.objectContaining({ type: '#account', body: expect.objectContaining({ status: 'deleted' }) }),
    ])
    await expect(
      new AtpAgent({ service: pds.url }).login({ identifier: did, password }),
    ).rejects.toMatchObject({
      status: 401,
    })
  })
})

describe('rate limits (PDS_RATE_LIMITS_ENABLED)', () => {
  let pds: TestPds

  beforeAll(async () => {
    pds = await startPds({ rateLimitsEnabled: true, rateLimitBypassKey: 'operator-bypass-key' })
  })

  afterAll(async () => {
    await pds?.cleanup()
  })

  it('limits createSession per address, except with the bypass key', async () => {
    const attempt = (headers: Record<string, string> = {}) =>
      fetch(`${pds.url}/xrpc/com.atproto.server.createSession`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ identifier: '', password: 'x' }),
      })
    for (let i = 0; i < 30; i++) expect((await attempt()).status).toBe(400)
    const limited = await attempt()
    expect(limited.status).toBe(429)
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(((await limited.json()) as { error: string }).error).toBe('RateLimitExceeded')
    expect((await attempt({ 'x-ratelimit-bypass': 'operator-bypass-key' })).status).toBe(400)
    expect((await attempt({ 'x-ratelimit-bypass': 'wrong' })).status).toBe(429)
  })
})

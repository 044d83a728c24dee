// The admin methods behind Basic auth, and what they change: takedowns (with their `#account`
// events and the sessions they end; a restore re-anchors the repo with a `#sync`), passwords,
// handles, invite codes, deletion.
import { AtpAgent } from '@atproto/api'
import { openPlcStore, PlcDirectory, type PlcServer, startPlcServer } from '@welkin/plc'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeEventFrame } from '../../events.js'
import { startPds, type TestPds } from '../../server.js'

describe('admin methods', () => {
  let plc: PlcServer
  let pds: TestPds
  let did: string
  let adminAuth: string
  const password = 'carol password'

  const call = async (nsid: string, opts: { body?: unknown; params?: string; auth?: string } = {}) => {
    const headers: Record<string, string> = {}
    if (opts.auth) headers.authorization = opts.auth
    if (opts.body !== undefined) headers['content-type'] = 'application/json'
    const res = await fetch(`${pds.url}/xrpc/${nsid}${opts.params ? `?${opts.params}` : ''}`, {
      method: opts.body === undefined ? 'GET' : 'POST',
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    })
    const text = await res.text()
    return { status: res.status, body: text ? JSON.parse(text) : undefined }
  }
  const eventsSince = (seq: number) =>
    pds.ctx.store.events.read(seq - 1, 100).map((e) => decodeEventFrame(e.frame))

  beforeAll(async () => {
    plc = await startPlcServer(new PlcDirectory(await openPlcStore({})), { port: 0 })
    pds = await startPds({ didPlcUrl: plc.url })
    adminAuth = `Basic ${Buffer.from(`admin:${pds.ctx.store.secrets.adminPassword}`).toString('base64')}`
    const agent = new AtpAgent({ service: pds.url })
    did = (await agent.createAccount({ handle: 'carol.test', email: 'carol@example.com', password })).data.did
  })

  afterAll(async () => {
    await pds?.cleanup()
    await plc?.close()
  })

  it('refuses without credentials, with a wrong password, a wrong user, or a user session', async () => {
    const nsid = 'com.atproto.admin.getAccountInfo'
    const params = `did=${did}`
    const wrong = `Basic ${Buffer.from('admin:not-the-password').toString('base64')}`
    const wrongUser = `Basic ${Buffer.from(`root:${pds.ctx.store.secrets.adminPassword}`).toString('base64')}`
    const user = new AtpAgent({ service: pds.url })
    await user.login({ identifier: 'carol.test', password })
    for (const auth of [undefined, wrong, wrongUser, `Bearer ${user.session!.accessJwt}`, 'Basic !!!']) {
      const r = await call(nsid, { params, auth })
      expect(r.status, String(auth)).toBe(401)
      expect(r.body.error).toBe('AuthenticationRequired')
      expect(typeof r.body.message).toBe('string')
    }
    const bodyMethods = [
      'com.atproto.admin.deleteAccount',
      'com.atproto.admin.updateSubjectStatus',
      'com.atproto.server.createInviteCode',
    ]
    for (const m of bodyMethods) expect((await call(m, { body: { did }, auth: wrong })).status).toBe(401)
  })

  it('shows account info', async () => {
    const one = await call('com.atproto.admin.getAccountInfo', { params: `did=${did}`, auth: adminAuth })
    expect(one.status).toBe(200)
    expect(one.body).toMatchObject({ did, handle: 'carol.test', email: 'carol@example.com' })
    const many = await call('com.atproto.admin.getAccountInfos', {
      params: `dids=${did}&dids=did:plc:aaaaaaaaaaaaaaaaaaaaaaaa`,
      auth: adminAuth,
    })
    expect(many.body.infos.map((i: { did: string }) => i.did)).toEqual([did])
    const missing = await call('com.atproto.admin.getAccountInfo', {
      params: 'did=did:plc:aaaaaaaaaaaaaaaaaaaaaaaa',
      auth: adminAuth,
    })
    expect(missing).toMatchObject({ status: 400, body: { error: 'AccountNotFound' } })
  })

  it('takes an account down and restores it, with #account events, then #commit and #sync', async () => {
    const user = new AtpAgent({ service: pds.url })
    await user.login({ identifier: 'carol.test', password })
    const seq = pds.ctx.store.sequencer.nextSeq
    const down = await call('com.atproto.admin.updateSubjectStatus', {
      body: {
        subject: { $type: 'com.atproto.admin.defs#repoRef', did },
        takedown: { applied: true, ref: 'case-1' },
      },
      auth: adminAuth,
    })
    expect(down).toMatchObject({ status: 200, body: { takedown: { applied: true, ref: 'case-1' } } })
    expect(eventsSince(seq)).toEqual([
      expect.objectContaining({
        type: '#account',
        body: expect.objectContaining({ active: false, status: 'takendown' }),
      }),
    ])
    const session = await call('com.atproto.server.getSession', { auth: `Bearer ${user.session!.accessJwt}` })
    expect(session).toMatchObject({ status: 401, body: { error: 'AccountTakedown' } })
    await expect(
      new AtpAgent({ service: pds.url }).login({ identifier: 'carol.test', password }),
    ).rejects.toMatchObject({ error: 'AccountTakedown' })
    const status = await call('com.atproto.admin.getSubjectStatus', { params: `did=${did}`, auth: adminAuth })
    expect(status.body.takedown).toEqual({ applied: true, ref: 'case-1' })

    const restoreSeq = pds.ctx.store.sequencer.nextSeq
    await call('com.atproto.admin.updateSubjectStatus', {
      body: { subject: { $type: 'com.atproto.admin.defs#repoRef', did }, takedown: { applied: false } },
      auth: adminAuth,
    })
    const restored = eventsSince(restoreSeq)
    expect(restored.map((e) => e.type)).toEqual(['#account', '#commit', '#sync'])
    expect(restored[0].body).toMatchObject({ active: true })
    // The #sync carries the commit the repo now stands at: the fresh empty one.
    const root = pds.ctx.store.reader.getRoot(did)!
    expect(restored[1].body).toMatchObject({ rev: root.rev })
    expect(restored[2].body).toMatchObject({ did, rev: root.rev })
    const again = new AtpAgent({ service: pds.url })
    await again.login({ identifier: 'carol.test', password })
    expect(again.session?.active).toBe(true)
  })

  it('refuses record and blob subjects with a 400', async () => {
    const r = await call('com.atproto.admin.updateSubjectStatus', {
      body: {
        subject: {
          $type: 'com.atproto.repo.strongRef',
          uri: `at://${did}/app.bsky.feed.post/3k2a`,
          cid: 'bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm',
        },
        takedown: { applied: true },
      },
      auth: adminAuth,
    })
    expect(r.status).toBe(400)
  })

  it('sets a password (ending sessions) and a handle (at the directory too)', async () => {
    const user = new AtpAgent({ service: pds.url })
    await user.login({ identifier: 'carol.test', password })
    const set = await call('com.atproto.admin.updateAccountPassword', {
      body: { did, password: 'new carol password' },
      auth: adminAuth,
    })
    expect(set.status).toBe(200)
    await expect(user.sessionManager.refreshSession()).rejects.toMatchObject({ error: 'ExpiredToken' })
    await expect(new AtpAgent({ service: pds.url }).login({ identifier: did, password })).rejects.toThrow()
    await new AtpAgent({ service: pds.url }).login({ identifier: did, password: 'new carol password' })

    const h = await call('com.atproto.admin.updateAccountHandle', {
      body: { did, handle: 'admin.test' },
      auth: adminAuth,
    })
    expect(h.status).toBe(200)
    const doc = (await (await fetch(`${plc.url}/${did}`)).json()) as { alsoKnownAs: string[] }
    expect(doc.alsoKnownAs).toEqual(['at://admin.test'])
  })

  it('creates invite codes', async () => {
    const one = await call('com.atproto.server.createInviteCode', { body: { useCount: 2 }, auth: adminAuth })
    expect(one.body.code).toMatch(/^localhost-[a-z2-7]{5}-[a-z2-7]{5}$/)
    const many = await call('com.atproto.server.createInviteCodes', {
      body: { codeCount: 3, useCount: 1, forAccounts: [did] },
      auth: adminAuth,
    })
    expect(many.body.codes).toHaveLength(1)
    expect(new Set(many.body.codes[0].codes).size).toBe(3)
    const tooMany = await call('com.atproto.server.createInviteCodes', {
      body: { codeCount: 100_000, useCount: 1 },
      auth: adminAuth,
    })
    expect(tooMany.status).toBe(400)
    expect(
      (await call('com.atproto.server.createInviteCode', { body: { useCount: 0 }, auth: adminAuth })).status,
    ).toBe(400)
  })

  it('deletes an account: #account deleted, no login, no handle', async () => {
    const seq = pds.ctx.store.sequencer.nextSeq
    const r = await call('com.atproto.admin.deleteAccount', { body: { did }, auth: adminAuth })
    expect(r.status).toBe(200)
    expect(eventsSince(seq)).toEqual([
      expect.objectContaining({
        type: '#account',
        body: expect.objectContaining({ active: false, status: 'deleted' }),
      }),
    ])
    const resolve = await call('com.atproto.identity.resolveHandle', { params: 'handle=admin.test' })
    expect(resolve.body.error).toBe('HandleNotFound')
    expect((await call('com.atproto.admin.deleteAccount', { body: { did }, auth: adminAuth })).status).toBe(
      400,
    )
  })
})

describe('invite-only sign-up', () => {
  let plc: PlcServer
  let pds: TestPds

  beforeAll(async () => {
    plc = await startPlcServer(new PlcDirectory(await openPlcStore({})), { port: 0 })
    pds = await startPds({ didPlcUrl: plc.url, inviteRequired: true })
  })

  afterAll(async () => {
    await pds?.cleanup()
    await plc?.close()
  })

  it('needs a code with uses left, and says so before registering a DID', async () => {
    const agent = new AtpAgent({ service: pds.url })
    expect((await agent.com.atproto.server.describeServer()).data.inviteCodeRequired).toBe(true)
    const sign = (handle: string, inviteCode?: string) =>
      new AtpAgent({ service: pds.url }).createAccount({ handle, password: 'pw-pw-pw', inviteCode })
    await expect(sign('dave.test')).rejects.toMatchObject({ error: 'InvalidInviteCode' })
    await expect(sign('dave.test', 'nope')).rejects.toMatchObject({ error: 'InvalidInviteCode' })
    const admin = `Basic ${Buffer.from(`admin:${pds.ctx.store.secrets.adminPassword}`).toString('base64')}`
    const res = await fetch(`${pds.url}/xrpc/com.atproto.server.createInviteCode`, {
      method: 'POST',
      headers: { authorization: admin, 'content-type': 'application/json' },
      body: JSON.stringify({ useCount: 1 }),
    })
    const { code } = (await res.json()) as { code: string }
    await sign('dave.test', code)
    await expect(sign('erin.test', code)).rejects.toMatchObject({ error: 'InvalidInviteCode' })
    const exported = (await (await fetch(`${plc.url}/export`)).text()).trim().split('\n')
    expect(exported).toHaveLength(1)
  })
})

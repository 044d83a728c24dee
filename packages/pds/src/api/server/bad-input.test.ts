// Malformed, oversized and unauthenticated requests to every account, identity and admin
// method answer 4xx with a lexicon-style `{error, message}`, never a 500; then a fuzz pass with
// random JSON bodies and parameters under valid credentials.
import { AtpAgent } from '@atproto/api'
import { openPlcStore, PlcDirectory, type PlcServer, startPlcServer } from '@welkin/plc'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startPds, type TestPds } from '../../server.js'

type Auth = 'none' | 'access' | 'refresh' | 'admin'

// nsid, kind, auth
const METHODS: [string, 'query' | 'procedure', Auth][] = [
  ['com.atproto.server.describeServer', 'query', 'none'],
  ['com.atproto.server.createAccount', 'procedure', 'none'],
  ['com.atproto.server.createSession', 'procedure', 'none'],
  ['com.atproto.server.getSession', 'query', 'access'],
  ['com.atproto.server.refreshSession', 'procedure', 'refresh'],
  ['com.atproto.server.deleteSession', 'procedure', 'refresh'],
  ['com.atproto.server.getServiceAuth', 'query', 'access'],
  ['com.atproto.server.activateAccount', 'procedure', 'access'],
  ['com.atproto.server.deactivateAccount', 'procedure', 'access'],
  ['com.atproto.server.checkAccountStatus', 'query', 'access'],
  ['com.atproto.server.requestAccountDelete', 'procedure', 'access'],
  ['com.atproto.server.deleteAccount', 'procedure', 'none'],
  ['com.atproto.server.createAppPassword', 'procedure', 'access'],
  ['com.atproto.server.listAppPasswords', 'query', 'access'],
  ['com.atproto.server.revokeAppPassword', 'procedure', 'access'],
  ['com.atproto.server.createInviteCode', 'procedure', 'admin'],
  ['com.atproto.server.createInviteCodes', 'procedure', 'admin'],
  ['com.atproto.identity.resolveHandle', 'query', 'none'],
  ['com.atproto.identity.updateHandle', 'procedure', 'access'],
  ['com.atproto.identity.getRecommendedDidCredentials', 'query', 'access'],
  ['com.atproto.identity.requestPlcOperationSignature', 'procedure', 'access'],
  ['com.atproto.identity.signPlcOperation', 'procedure', 'access'],
  ['com.atproto.identity.submitPlcOperation', 'procedure', 'access'],
  ['com.atproto.admin.getAccountInfo', 'query', 'admin'],
  ['com.atproto.admin.getAccountInfos', 'query', 'admin'],
  ['com.atproto.admin.getSubjectStatus', 'query', 'admin'],
  ['com.atproto.admin.updateSubjectStatus', 'procedure', 'admin'],
  ['com.atproto.admin.deleteAccount', 'procedure', 'admin'],
  ['com.atproto.admin.updateAccountHandle', 'procedure', 'admin'],
  ['com.atproto.admin.updateAccountPassword', 'procedure', 'admin'],
  ['com.atproto.admin.updateAccountEmail', 'procedure', 'admin'],
]

describe('bad input to account, identity and admin methods', () => {
  let plc: PlcServer
  let pds: TestPds
  let agent: AtpAgent
  let admin: string

  const send = async (
    nsid: string,
    init: { method?: string; query?: string; body?: string; type?: string; auth?: string },
  ) => {
    const headers: Record<string, string> = {}
    if (init.auth) headers.authorization = init.auth
    if (init.body !== undefined) headers['content-type'] = init.type ?? 'application/json'
    const res = await fetch(`${pds.url}/xrpc/${nsid}${init.query ? `?${init.query}` : ''}`, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers,
      body: init.body,
    })
    const text = await res.text()
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      body = text
    }
    return { status: res.status, body: body as { error?: unknown; message?: unknown } }
  }
  const expectClientError = (
    r: { status: number; body: { error?: unknown; message?: unknown } },
    what: string,
  ) => {
    expect(r.status, what).toBeGreaterThanOrEqual(400)
    expect(r.status, what).toBeLessThan(500)
    expect(typeof r.body.error, what).toBe('string')
    expect(typeof r.body.message, what).toBe('string')
  }
  const authFor = (kind: Auth) =>
    kind === 'admin'
      ? admin
      : kind === 'access'
        ? `Bearer ${agent.session!.accessJwt}`
        : kind === 'refresh'
          ? `Bearer ${agent.session!.refreshJwt}`
          : undefined

  beforeAll(async () => {
    plc = await startPlcServer(new PlcDirectory(await openPlcStore({})), { port: 0 })
    pds = await startPds({ didPlcUrl: plc.url })
    admin = `Basic ${Buffer.from(`admin:${pds.ctx.store.secrets.adminPassword}`).toString('base64')}`
    agent = new AtpAgent({ service: pds.url })
    await agent.createAccount({ handle: 'grace.test', password: 'grace password' })
  })

  afterAll(async () => {
    await pds?.cleanup()
    await plc?.close()
  })

  it('refuses a missing or wrong credential on every authenticated method', async () => {
    for (const [nsid, kind, auth] of METHODS) {
      if (auth === 'none') continue
      const body = kind === 'procedure' ? '{}' : undefined
      // Valid parameters, so that only the credential is wrong.
      const query =
        kind === 'query'
          ? 'aud=did:web:example.com&did=did:plc:aaaaaaaaaaaaaaaaaaaaaaaa&dids=did:plc:aaaaaaaaaaaaaaaaaaaaaaaa'
          : undefined
      expectClientError(await send(nsid, { body, query }), `${nsid} without auth`)
      const garbage = auth === 'admin' ? 'Basic YWRtaW46eA==' : 'Bearer e30.e30.AAAA'
      const r = await send(nsid, { body, query, auth: garbage })
      expectClientError(r, `${nsid} with a bad credential`)
      expect(r.status, nsid).toBe(401)
    }
  })

  it('answers the wrong verb, non-JSON, wrong JSON and oversized bodies with 4xx', async () => {
    const huge = JSON.stringify({ handle: 'x'.repeat(2 * 1024 * 1024) })
    for (const [nsid, kind, authKind] of METHODS) {
      const auth = authFor(authKind)
      if (kind === 'query') {
        expectClientError(await send(nsid, { method: 'POST', body: '{}', auth }), `${nsid} POST`)
        const junk = await send(nsid, { query: 'did=nope&handle=%00&aud=1&dids=x', auth })
        // describeServer and the like take no parameters and ignore unknown ones.
        if (junk.status !== 200) expectClientError(junk, `${nsid} params`)
        else
          expect([
            'com.atproto.server.describeServer',
            'com.atproto.server.getSession',
            'com.atproto.server.checkAccountStatus',
            'com.atproto.server.listAppPasswords',
            'com.atproto.identity.getRecommendedDidCredentials',
          ]).toContain(nsid)
        continue
      }
      expectClientError(await send(nsid, { auth }), `${nsid} GET`)
      expectClientError(await send(nsid, { body: '{not json', auth }), `${nsid} broken JSON`)
      expectClientError(await send(nsid, { body: 'hello', type: 'text/plain', auth }), `${nsid} text body`)
      expectClientError(await send(nsid, { body: '[1,2]', auth }), `${nsid} array body`)
      expectClientError(await send(nsid, { body: huge, auth }), `${nsid} oversized`)
      const wrong = JSON.stringify({
        handle: 7,
        did: ['x'],
        password: {},
        identifier: null,
        token: 1.5,
        useCount: 'many',
        subject: 'me',
        operation: 'op',
        name: 12,
        email: false,
      })
      const r = await send(nsid, { body: wrong, auth })
      if (r.status !== 200) expectClientError(r, `${nsid} wrong types`)
    }
  })

  it('refuses invalid handles, emails, passwords and keys at sign-up', async () => {
    const cases = [
      { handle: 'no spaces.test', password: 'x' },
      { handle: 'ab.test', password: 'x' },
      { handle: 'a.b.test', password: 'x' },
      { handle: 'someone.example.com', password: 'x' },
      { handle: 'fine.test' },
      { handle: 'fine.test', password: 'x'.repeat(5000) },
      { handle: 'fine.test', password: 'x', email: 'not-an-email' },
      { handle: 'fine.test', password: 'x', recoveryKey: 'did:key:nope' },
      { handle: 'fine.test', password: 'x', did: 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa' },
    ]
    for (const c of cases) {
      expectClientError(
        await send('com.atproto.server.createAccount', { body: JSON.stringify(c) }),
        JSON.stringify(c).slice(0, 80),
      )
    }
    const exported = (await (await fetch(`${plc.url}/export`)).text()).trim().split('\n')
    expect(exported).toHaveLength(1)
  })

  it('turns refusals by the store into 400s', async () => {
    const access = authFor('access')
    const noName = await send('com.atproto.server.createAppPassword', { body: '{"name":"  "}', auth: access })
    expectClientError(noName, 'empty app password name')
    expect(noName.status).toBe(400)
    const email = JSON.stringify({ account: 'grace.test', email: 'no at sign' })
    const badEmail = await send('com.atproto.admin.updateAccountEmail', { body: email, auth: admin })
    expectClientError(badEmail, 'invalid email')
    expect(badEmail.status).toBe(400)
  })

  it('never answers 5xx to random bodies and parameters (fuzz)', async () => {
    const procedures = METHODS.filter(([, kind]) => kind === 'procedure')
    const queries = METHODS.filter(([, kind]) => kind === 'query')
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...procedures),
        fc.oneof(
          fc.jsonValue({ maxDepth: 3 }),
          fc.dictionary(
            fc.constantFrom(
              'handle',
              'did',
              'password',
              'identifier',
              'token',
              'useCount',
              'codeCount',
              'subject',
              'operation',
              'email',
              'account',
              'inviteCode',
              'recoveryKey',
              'name',
              'deleteAfter',
              'rotationKeys',
              'services',
            ),
            fc.jsonValue({ maxDepth: 2 }),
          ),
        ),
        async ([nsid, , auth], value) => {
          const r = await send(nsid, { body: JSON.stringify(value), auth: authFor(auth) })
          expect(r.status, `${nsid} ${JSON.stringify(value).slice(0, 200)}`).toBeLessThan(500)
          if (r.status >= 400) expectClientError(r, nsid)
        },
      ),
      { numRuns: 150 },
    )
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...queries),
        fc.dictionary(
          fc.constantFrom('did', 'dids', 'handle', 'aud', 'exp', 'lxm', 'uri', 'blob'),
          fc.string(),
        ),
        async ([nsid, , auth], params) => {
          const r = await send(nsid, { query: new URLSearchParams(params).toString(), auth: authFor(auth) })
          expect(r.status, `${nsid} ${JSON.stringify(params)}`).toBeLessThan(500)
          if (r.status >= 400) expectClientError(r, nsid)
        },
      ),
      { numRuns: 100 },
    )
  })
})

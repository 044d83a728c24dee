// Fuzzing every XRPC method the PDS registers (found by asking it about each method of the
// official lexicons: an unregistered one answers 501 MethodNotImplemented): random requests
// shaped by each lexicon, with random verbs, parameters, bodies, encodings and credentials
// (none, the caller's, another user's, expired, forged, refresh-for-access, app-password);
// plus a fixed battery per method of empty, malformed and oversized input, and malformed HTTP.
// Never a 5xx, always a lexicon-style `{error, message}` for errors, never a hang, and the
// server still serves a good request afterwards. And a write to another user's repo is refused.
import { openPlcStore, PlcDirectory, type PlcServer, startPlcServer } from '@welkin/plc'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAccessToken } from '../auth/jwt.js'
import { rawXrpc, startWorld, type World } from '../interop/world.js'
import { tempDir } from '../testing.js'
import { defaultPools, type Pools } from './arbitraries.js'
import { badAnswer, type FuzzRequest, fuzzAgent, send, sendRaw } from './request.js'
import { requestFor } from './request-arb.js'

const POST = 'app.bsky.feed.post'

interface Session {
  did: string
  handle: string
  accessJwt: string
  refreshJwt: string
}

const plcDir = tempDir('welkin-fuzz-plc-')
let plc: PlcServer
let world: World
const logged: string[] = []
let alice: Session
let bob: Session
/** Never handed to the fuzzer: its writes after the run show the server still works. */
let carol: Session
let methods: { nsid: string; type: 'query' | 'procedure' | 'subscription' }[] = []
let pools: Pools
let auths: string[]

async function signUp(name: string): Promise<Session> {
  const res = await rawXrpc(world.url, 'com.atproto.server.createAccount', {
    body: { handle: `${name}.test`, email: `${name}@example.com`, password: `${name} password 1` },
  })
  expect(res.status, JSON.stringify(res.json)).toBe(200)
  return res.json as unknown as Session
}

beforeAll(async () => {
  plc = await startPlcServer(new PlcDirectory(await openPlcStore({ dataDir: plcDir.path })), { port: 0 })
  world = await startWorld(
    plc.url,
    {},
    { log: (msg, fields) => logged.push(`${msg} ${fields ? JSON.stringify(fields).slice(0, 500) : ''}`) },
  )
  ;[alice, bob, carol] = [await signUp('alice'), await signUp('bob'), await signUp('carol')]
  const made = await rawXrpc(world.url, 'com.atproto.repo.createRecord', {
    token: alice.accessJwt,
    body: {
      repo: alice.did,
      collection: POST,
      record: { $type: POST, text: 'seed', createdAt: new Date().toISOString() },
    },
  })
  const { uri, cid, commit } = made.json as { uri: string; cid: string; commit: { cid: string } }
  pools = defaultPools({
    dids: [alice.did, bob.did, carol.did],
    handles: [alice.handle, bob.handle],
    cids: [cid, commit.cid],
    rkeys: [uri.split('/').pop()!],
    collections: [],
    uris: [uri],
  })
  const lex = world.pds.ctx.lexicons
  const secret = world.pds.ctx.store.secrets.jwtSecret
  const serviceDid = world.pds.ctx.config.service.did
  const sign = (did: string, extra: { scope?: string; now?: number }) =>
    createAccessToken({ did, serviceDid, ...extra }, secret).token
  const tampered = `${alice.accessJwt.slice(0, -4)}AAAA`
  const noneAlg = `${Buffer.from('{"alg":"none","typ":"at+jwt"}').toString('base64url')}.${alice.accessJwt.split('.')[1]}.`
  auths = [
    '',
    `Bearer ${alice.accessJwt}`,
    `Bearer ${alice.accessJwt}`,
    `Bearer ${bob.accessJwt}`,
    `Bearer ${alice.refreshJwt}`,
    `Bearer ${sign(alice.did, { now: Math.floor(Date.now() / 1000) - 7200 * 2 })}`, // expired
    `Bearer ${sign('did:plc:aaaaaaaaaaaaaaaaaaaaaaaa', {})}`, // well signed, no such account
    `Bearer ${sign(alice.did, { scope: 'com.atproto.appPass' })}`,
    `Bearer ${sign(alice.did, { scope: 'com.atproto.signupQueued' })}`,
    `Bearer ${tampered}`,
    `Bearer ${noneAlg}`,
    'Bearer',
    'Bearer not.a.jwt',
    `Basic ${Buffer.from('admin:wrong password').toString('base64')}`,
    'Basic !!!',
    'DPoP abc',
  ]
  // Which methods of the official lexicons this server registers.
  for (const doc of lex.docs()) {
    const m = lex.getXrpcMethod(doc.id)
    if (m === undefined) continue
    const res = await send(world.url, {
      method: m.type === 'procedure' ? 'POST' : 'GET',
      path: `/xrpc/${m.nsid}`,
      headers: {},
    })
    const error = res.contentType.startsWith('application/json')
      ? JSON.parse(res.body.toString()).error
      : undefined
    if (!(res.status === 501 && error === 'MethodNotImplemented'))
      methods.push({ nsid: m.nsid, type: m.type })
  }
  methods = methods.sort((a, b) => a.nsid.localeCompare(b.nsid))
})

afterAll(async () => {
  fuzzAgent.destroy()
  await world?.close()
  await plc?.close()
  plcDir.remove()
})

async function expectGoodAnswer(req: FuzzRequest): Promise<void> {
  const res = await send(world.url, req)
  const bad = badAnswer(req, res)
  if (bad !== undefined) {
    const shown = { ...req, body: req.body && Buffer.from(req.body).toString('utf8').slice(0, 300) }
    throw new Error(
      `${req.method} ${req.path.slice(0, 300)} -> ${bad}\nrequest: ${JSON.stringify(shown).slice(0, 1200)}\nlog: ${logged.slice(-3).join('\n')}`,
    )
  }
  // A fuzzed request may deactivate the account whose token the fuzzer mostly uses: undo it, so
  // later requests keep reaching the write paths.
  if (res.status === 200 && req.path.startsWith('/xrpc/com.atproto.server.deactivateAccount')) {
    const back = await rawXrpc(world.url, 'com.atproto.server.activateAccount', {
      method: 'POST',
      token: alice.accessJwt,
    })
    expect(back.status).toBe(200)
  }
}

async function stillServes(): Promise<void> {
  const health = await send(world.url, { method: 'GET', path: '/xrpc/_health', headers: {} })
  expect(health.status).toBe(200)
  const made = await rawXrpc(world.url, 'com.atproto.repo.createRecord', {
    token: carol.accessJwt,
    body: {
      repo: carol.did,
      collection: POST,
      record: { $type: POST, text: 'still here', createdAt: new Date().toISOString() },
    },
  })
  expect(made.status, JSON.stringify(made.json)).toBe(200)
  const back = await rawXrpc(world.url, 'com.atproto.repo.getRecord', {
    params: { repo: carol.did, collection: POST, rkey: String(made.json!.uri).split('/').pop()! },
  })
  expect(back.json).toMatchObject({ value: { text: 'still here' } })
}

describe('endpoint fuzzing', () => {
  it('finds the registered methods', () => {
    const names = methods.map((m) => m.nsid)
    for (const core of [
      'com.atproto.repo.createRecord',
      'com.atproto.repo.applyWrites',
      'com.atproto.server.createSession',
      'com.atproto.sync.getRepo',
      'com.atproto.sync.subscribeRepos',
      'com.atproto.identity.resolveHandle',
    ]) {
      expect(names).toContain(core)
    }
    expect(names.length).toBeGreaterThan(40)
  })

  it("refuses writes to another user's repo, by DID or handle, with {error, message}", async () => {
    const head = async () =>
      (await rawXrpc(world.url, 'com.atproto.sync.getLatestCommit', { params: { did: bob.did } })).json
    const before = await head()
    const record = { $type: POST, text: 'not yours', createdAt: new Date().toISOString() }
    const rkey = pools.rkeys.good[0]
    const attempts: [string, Record<string, unknown>][] = []
    for (const repo of [bob.did, bob.handle]) {
      attempts.push(
        ['com.atproto.repo.createRecord', { repo, collection: POST, record }],
        ['com.atproto.repo.putRecord', { repo, collection: POST, rkey: 'aaaaaaaaaaaaa', record }],
        ['com.atproto.repo.deleteRecord', { repo, collection: POST, rkey }],
        [
          'com.atproto.repo.applyWrites',
          {
            repo,
            writes: [{ $type: 'com.atproto.repo.applyWrites#create', collection: POST, value: record }],
          },
        ],
      )
    }
    for (const [nsid, body] of attempts) {
      const res = await rawXrpc(world.url, nsid, { token: alice.accessJwt, body })
      expect([400, 401, 403], `${nsid} ${JSON.stringify(body.repo)} -> ${res.status}`).toContain(res.status)
      expect(res.json).toMatchObject({ error: expect.any(String), message: expect.any(String) })
    }
    expect(await head()).toEqual(before)
    const list = await rawXrpc(world.url, 'com.atproto.repo.listRecords', {
      params: { repo: bob.did, collection: POST },
    })
    expect(list.json?.records).toEqual([])
  })

  it("answers every method's empty, malformed and oversized input with a 4xx", {
    timeout: 120_000,
  }, async () => {
    const big = Buffer.alloc(1536 * 1024, 'a')
    const bigJson = Buffer.from(
      JSON.stringify({
        repo: alice.did,
        collection: POST,
        record: { $type: POST, text: 'x'.repeat(1536 * 1024) },
      }),
    )
    for (const m of methods) {
      const path = `/xrpc/${m.nsid}`
      const token = `Bearer ${alice.accessJwt}`
      const battery: FuzzRequest[] = [
        { method: m.type === 'procedure' ? 'POST' : 'GET', path, headers: {} },
        { method: m.type === 'procedure' ? 'POST' : 'GET', path, headers: { authorization: token } },
        { method: m.type === 'procedure' ? 'GET' : 'POST', path, headers: { authorization: token } },
        {
          method: 'GET',
          path: `${path}?did=${'x'.repeat(6000)}&repo=%00&limit=-1&cursor=${'\u00ff'.repeat(50)}`,
          headers: { authorization: token },
        },
      ]
      if (m.type === 'procedure') {
        for (const body of ['{', '[]', 'null', '{"repo":1}', `${'['.repeat(5000)}${']'.repeat(5000)}`]) {
          battery.push({
            method: 'POST',
            path,
            headers: { authorization: token, 'content-type': 'application/json' },
            body: Buffer.from(body),
          })
        }
        battery.push({
          method: 'POST',
          path,
          headers: { authorization: token, 'content-type': 'application/json' },
          body: bigJson,
        })
        battery.push({
          method: 'POST',
          path,
          headers: { authorization: token, 'content-type': 'text/plain' },
          body: big,
        })
        battery.push({
          method: 'POST',
          path,
          headers: { authorization: token, 'content-type': 'application/json', 'content-encoding': 'gzip' },
          body: Buffer.from('{}'),
        })
      }
      for (const req of battery) await expectGoodAnswer(req)
    }
    // A blob over the upload limit.
    const limit = world.pds.ctx.config.service.blobUploadLimit
    const tooBig = await send(world.url, {
      method: 'POST',
      path: '/xrpc/com.atproto.repo.uploadBlob',
      headers: { authorization: `Bearer ${alice.accessJwt}`, 'content-type': 'image/png' },
      body: Buffer.alloc(limit + 1),
    })
    expect(tooBig.status).toBe(413)
    expect(badAnswer({ method: 'POST', path: '', headers: {} }, tooBig)).toBeUndefined()
    await stillServes()
  })

  it('never answers random lexicon-shaped requests with a 5xx or a bare error', {
    timeout: 240_000,
  }, async () => {
    // Repo methods (the write paths) come up three times as often as the others.
    const weighted = methods.flatMap((m) => (m.nsid.startsWith('com.atproto.repo.') ? [m, m, m] : [m]))
    const target = { lexicons: world.pds.ctx.lexicons, pools, auths }
    const arb = fc.constantFrom(...weighted).chain((m) => requestFor(target, m))
    await fc.assert(
      fc.asyncProperty(arb, async (req) => {
        await expectGoodAnswer(req)
      }),
      { numRuns: 2500, endOnFailure: true },
    )
    await stillServes()
  })

  it('survives malformed HTTP on the socket', async () => {
    const port = world.pds.port
    const cases = [
      'GARBAGE\r\n\r\n',
      'GET /xrpc/com.atproto.repo.getRecord HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n',
      `GET /xrpc/com.atproto.sync.getRepo?did=${alice.did} HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(100_000)}\r\n\r\n`,
      'POST /xrpc/com.atproto.repo.createRecord HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\nzz\r\n{}\r\n0\r\n\r\n',
      'POST /xrpc/com.atproto.repo.createRecord HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\n{}',
      'POST /xrpc/com.atproto.repo.uploadBlob HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\nContent-Type: image/png\r\n\r\nshort',
      `GET /xrpc/${'a.'.repeat(5000)}b HTTP/1.1\r\nHost: x\r\n\r\n`,
    ]
    for (const c of cases) {
      const out = await sendRaw(port, c)
      const status = /^HTTP\/1\.1 (\d{3})/.exec(out)?.[1]
      if (status !== undefined)
        expect(Number(status), `${c.slice(0, 80)} -> ${out.slice(0, 200)}`).toBeLessThan(500)
    }
    await stillServes()
  })
})

// The HTTP test suite, run unchanged over every backend: real sockets on loopback.
import { request as httpRequest } from 'node:http'
import { createTombstoneOp, type DidDocument, signPlcOp } from '@welkin/identity'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PlcDirectory } from '../directory.js'
import type { PlcStore } from '../store/types.js'
import type { Backend } from '../testing.js'
import { TestAccount } from '../testing.js'
import { type PlcServer, startPlcServer } from './server.js'

export function describeHttpSuite(backend: Backend, enabled = true): void {
  describe.skipIf(!enabled)(`welkin plc HTTP over ${backend.name}`, () => {
    let where: string
    let store: PlcStore
    let server: PlcServer
    let alice: TestAccount

    const url = (path: string) => `${server.url}${path}`
    const post = (did: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(url(`/${encodeURIComponent(did)}`), {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      })
    const getJson = async (path: string) => {
      const res = await fetch(url(path))
      return { status: res.status, type: res.headers.get('content-type'), body: await res.json() }
    }
    const auditLength = async (did: string) => (await getJson(`/${did}/log/audit`)).body.length

    beforeAll(async () => {
      where = await backend.fresh()
      store = await backend.open(where)
      server = await startPlcServer(new PlcDirectory(store), { port: 0 })
      alice = await TestAccount.create()
    })

    afterAll(async () => {
      await server?.close()
      await store?.close()
      if (where) await backend.destroy(where)
    })

    it('registers a DID and serves its document, data and logs', async () => {
      const res = await post(alice.did, alice.genesis)
      expect(res.status).toBe(200)
      expect((await res.json()).cid).toBe(alice.cid())
      const doc = await getJson(`/${alice.did}`)
      expect(doc.status).toBe(200)
      expect(doc.type).toContain('application/did+ld+json')
      const body = doc.body as DidDocument
      expect(body.id).toBe(alice.did)
      expect(body.alsoKnownAs).toEqual(['at://alice.test'])
      expect(body.verificationMethod?.[0].publicKeyMultibase).toBe(
        alice.signing.did().slice('did:key:'.length),
      )
      expect(body.service?.[0]).toEqual({
        id: '#atproto_pds',
        type: 'AtprotoPersonalDataServer',
        serviceEndpoint: 'https://pds.test',
      })
      // Percent-encoded DIDs, as the official clients send them, name the same DID.
      expect((await getJson(`/${encodeURIComponent(alice.did)}/data`)).body.rotationKeys).toEqual([
        alice.recovery.did(),
        alice.rotation.did(),
      ])
      expect((await getJson(`/${alice.did}/log`)).body).toEqual([alice.genesis])
      expect((await getJson(`/${alice.did}/log/last`)).body).toEqual(alice.genesis)
      const audit = (await getJson(`/${alice.did}/log/audit`)).body
      expect(audit).toEqual([
        {
          did: alice.did,
          operation: alice.genesis,
          cid: alice.cid(),
          nullified: false,
          createdAt: expect.any(String),
        },
      ])
    })

    it('appends an update and serves the new state', async () => {
      const up = await alice.update('alice2.test')
      expect((await post(alice.did, up)).status).toBe(200)
      alice.ops.push(up)
      expect((await getJson(`/${alice.did}`)).body.alsoKnownAs).toEqual(['at://alice2.test'])
      expect((await getJson(`/${alice.did}/log`)).body).toHaveLength(2)
    })

    it('refuses wrong prev, forged and malformed ops with a 400 and leaves the chain untouched', async () => {
      const before = await auditLength(alice.did)
      const stale = await alice.update('stale.test', alice.genesis, alice.rotation)
      const forged = { ...(await alice.update('forged.test')), alsoKnownAs: ['at://evil.test'] }
      const bySigningKey = await alice.update('x.test', alice.last, alice.signing)
      const cases: [unknown, string][] = [
        [stale, 'InvalidSignature'],
        [
          { ...(await alice.update('y.test')), prev: alice.cid(await alice.update('never-submitted.test')) },
          'MisorderedOperation',
        ],
        [forged, 'InvalidSignature'],
        [bySigningKey, 'InvalidSignature'],
        [{ type: 'plc_operation' }, 'MalformedOperation'],
        [[1, 2, 3], 'MalformedOperation'],
        [alice.genesis, 'MisorderedOperation'],
      ]
      for (const [op, code] of cases) {
        const res = await post(alice.did, op)
        expect(res.status, JSON.stringify(op).slice(0, 100)).toBe(400)
        const body = await res.json()
        expect(body.error).toBe(code)
        expect(body.message.length).toBeGreaterThan(10)
      }
      expect(await auditLength(alice.did)).toBe(before)
    })

    it('refuses an update as the first op of an unregistered DID and registers nothing', async () => {
      // Correctly signed by a rotation key of the genesis it follows, but that genesis was never sent.
      const carol = await TestAccount.create('carol.test')
      const res = await post(carol.did, await carol.update('carol2.test'))
      expect(res.status).toBe(400)
      const body = await res.json()
      expect(body.error).toBe('MisorderedOperation')
      expect(body.message).toContain('prev: null')
      expect((await getJson(`/${carol.did}`)).status).toBe(404)
      expect((await getJson(`/${carol.did}/log/audit`)).status).toBe(404)
    })

    it('refuses bad bodies: not JSON, wrong type, empty, oversized', async () => {
      const bad = [
        [await post(alice.did, '{nope'), 400, 'InvalidJson'],
        [await post(alice.did, 'x', { 'content-type': 'text/plain' }), 415, 'UnsupportedMediaType'],
        [await post(alice.did, ''), 400, 'InvalidRequest'],
        [await post(alice.did, { junk: 'x'.repeat(70_000) }), 413, 'PayloadTooLarge'],
      ] as const
      for (const [res, status, code] of bad) {
        expect(res.status).toBe(status)
        expect((await res.json()).error).toBe(code)
      }
    })

    it('refuses an oversized body sent without a content-length, and keeps serving', async () => {
      const status = await new Promise<number>((resolve, reject) => {
        const req = httpRequest(url(`/${alice.did}`), {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
        })
        req.on('response', (res) => {
          res.resume()
          resolve(res.statusCode ?? 0)
        })
        req.on('error', reject)
        const chunk = 'x'.repeat(16 * 1024)
        for (let i = 0; i < 8; i++) req.write(chunk)
        req.end()
      }).catch(() => 413)
      expect(status).toBe(413)
      expect((await fetch(url('/_health'))).status).toBe(200)
      expect((await fetch(url('/xrpc/_health'))).status).toBe(200)
    })

    it('answers unknown and malformed DIDs and routes with 4xx', async () => {
      const unknown = await getJson('/did:plc:aaaaaaaaaaaaaaaaaaaaaaaa')
      expect(unknown.status).toBe(404)
      expect(unknown.body.error).toBe('NotFound')
      expect((await getJson('/did:plc:aaaaaaaaaaaaaaaaaaaaaaaa/log/audit')).status).toBe(404)
      expect((await getJson('/did:web:example.com')).status).toBe(404)
      expect((await getJson('/%E0%A4%A')).status).toBe(400)
      expect((await getJson(`/${alice.did}/nope`)).status).toBe(404)
      const badPost = await post('did:plc:short', alice.genesis)
      expect(badPost.status).toBe(400)
      expect((await badPost.json()).error).toBe('MalformedOperation')
      const put = await fetch(url(`/${alice.did}`), { method: 'PUT' })
      expect(put.status).toBe(405)
      expect(put.headers.get('allow')).toContain('POST')
    })

    it('answers random and hostile bodies with a 4xx, never a 5xx', async () => {
      const before = await auditLength(alice.did)
      const bodies = fc.sample(
        fc.oneof(
          fc.jsonValue({ maxDepth: 4 }),
          fc.record({
            type: fc.constantFrom('plc_operation', 'plc_tombstone', 'create', '__proto__'),
            rotationKeys: fc.oneof(fc.array(fc.string()), fc.string(), fc.constant(null)),
            verificationMethods: fc.oneof(fc.dictionary(fc.string(), fc.jsonValue()), fc.constant([])),
            alsoKnownAs: fc.array(fc.jsonValue({ maxDepth: 1 })),
            services: fc.jsonValue({ maxDepth: 2 }),
            prev: fc.oneof(fc.constant(null), fc.string(), fc.constant(alice.cid())),
            sig: fc.oneof(fc.string(), fc.base64String()),
          }),
        ),
        { numRuns: 120, seed: 42 },
      )
      bodies.push(
        '['.repeat(20_000),
        `${'['.repeat(30_000)}${']'.repeat(30_000)}`,
        '{"__proto__": {"type": "plc_operation"}}',
        '"\\ud800"',
      )
      for (const body of bodies) {
        const res = await post(alice.did, typeof body === 'string' ? body : JSON.stringify(body))
        expect(res.status, JSON.stringify(body).slice(0, 200)).toBeGreaterThanOrEqual(400)
        expect(res.status, JSON.stringify(body).slice(0, 200)).toBeLessThan(500)
        await res.arrayBuffer()
      }
      expect(await auditLength(alice.did)).toBe(before)
    })

    it('refuses the legacy create format for new DIDs', async () => {
      const { createLegacyCreateOp } = await import('@welkin/identity')
      const k = await TestAccount.create()
      const { did, op } = await createLegacyCreateOp(
        {
          signingKey: k.signing.did(),
          recoveryKey: k.recovery.did(),
          handle: 'old.test',
          service: 'https://pds.test',
        },
        k.signing,
      )
      const res = await post(did, op)
      expect(res.status).toBe(400)
      expect((await res.json()).message).toContain('legacy')
    })

    it('deactivates a DID with a tombstone and lets the recovery key undo it', async () => {
      const bob = await TestAccount.create('bob.test')
      await post(bob.did, bob.genesis)
      const tomb = await createTombstoneOp(bob.cid(), bob.rotation)
      expect((await post(bob.did, tomb)).status).toBe(200)
      const gone = await getJson(`/${bob.did}`)
      expect(gone.status).toBe(404)
      expect(gone.body.error).toBe('DidTombstoned')
      expect((await getJson(`/${bob.did}/data`)).status).toBe(404)
      expect((await getJson(`/${bob.did}/log/last`)).body).toEqual(tomb)
      const { sig: _sig, ...fields } = bob.genesis
      const after = await signPlcOp(
        { ...fields, alsoKnownAs: ['at://zombie.test'], prev: bob.cid(tomb) },
        bob.recovery,
      )
      expect((await post(bob.did, after)).status).toBe(400)
      const revive = await bob.update('bob.test', bob.genesis, bob.recovery)
      expect((await post(bob.did, revive)).status).toBe(200)
      expect((await getJson(`/${bob.did}`)).body.alsoKnownAs).toEqual(['at://bob.test'])
      const audit = (await getJson(`/${bob.did}/log/audit`)).body
      expect(audit.map((e: { nullified: boolean }) => e.nullified)).toEqual([false, true, false])
    })

    it('answers 429 with Retry-After once a DID reaches its hourly op cap (the default)', async () => {
      const busy = await TestAccount.create('busy.test')
      expect((await post(busy.did, busy.genesis)).status).toBe(200)
      for (let i = 1; i < 10; i++) {
        const op = await busy.update(`busy${i}.test`)
        const res = await post(busy.did, op)
        expect(res.status).toBe(200)
        await res.arrayBuffer()
        busy.ops.push(op)
      }
      const res = await post(busy.did, await busy.update('one-too-many.test'))
      expect(res.status).toBe(429)
      const retryAfter = Number(res.headers.get('retry-after'))
      expect(retryAfter).toBeGreaterThan(3000)
      expect(retryAfter).toBeLessThanOrEqual(3600)
      const body = await res.json()
      expect(Object.keys(body).sort()).toEqual(['error', 'message'])
      expect(body.error).toBe('RateLimitExceeded')
      expect(body.message).toContain('per hour')
      expect(await auditLength(busy.did)).toBe(10)
      // A recovery still goes through: it nullifies the last op, signed by the stronger key.
      const recover = await busy.update('busy.test', busy.ops[8], busy.recovery)
      expect((await post(busy.did, recover)).status).toBe(200)
      expect((await getJson(`/${busy.did}`)).body.alsoKnownAs).toEqual(['at://busy.test'])
    })

    it('exports JSON lines by createdAt (legacy) and by seq', async () => {
      const legacy = await fetch(url('/export?count=2'))
      expect(legacy.headers.get('content-type')).toContain('application/jsonlines')
      const text = await legacy.text()
      expect(text.endsWith('\n')).toBe(false)
      const lines = text.split('\n').map((l) => JSON.parse(l))
      expect(lines).toHaveLength(2)
      expect(Object.keys(lines[0]).sort()).toEqual(['cid', 'createdAt', 'did', 'nullified', 'operation'])
      const next = await fetch(url(`/export?count=1000&after=${encodeURIComponent(lines[1].createdAt)}`))
      const rest = (await next.text())
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l))
      expect(rest.every((e) => e.createdAt >= lines[1].createdAt)).toBe(true)
      const seq = (await (await fetch(url('/export?after=0&count=1000'))).text())
        .split('\n')
        .map((l) => JSON.parse(l))
      expect(seq[0].type).toBe('indexed_op')
      expect(seq.length).toBe(lines.length + rest.length)
      const afterFirst = (await (await fetch(url(`/export?after=${seq[0].seq}`))).text()).split('\n')
      expect(afterFirst).toHaveLength(seq.length - 1)
      expect(await (await fetch(url(`/export?after=${seq[seq.length - 1].seq}`))).text()).toBe('')
      for (const q of ['count=0', 'count=abc', 'after=yesterday']) {
        const res = await fetch(url(`/export?${q}`))
        expect(res.status, q).toBe(400)
      }
    })

    it('reports health and reuses keep-alive connections', async () => {
      const health = await getJson('/_health')
      expect(health).toMatchObject({ status: 200, body: { version: expect.any(String) } })
      let connections = 0
      const onConnection = () => connections++
      server.server.on('connection', onConnection)
      try {
        for (let i = 0; i < 20; i++) await (await fetch(url(`/${alice.did}`))).arrayBuffer()
      } finally {
        server.server.off('connection', onConnection)
      }
      expect(connections).toBeLessThanOrEqual(1)
    })
  })
}

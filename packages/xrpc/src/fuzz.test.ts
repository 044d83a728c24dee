// Random requests (verbs, paths, query strings, headers, bodies) and random bytes on the socket:
// the server must never answer 500, never crash, answer XRPC paths in the `{error, message}`
// shape, and still serve a normal request afterwards.
import { Agent, request } from 'node:http'
import { officialLexicons } from '@welkin/lexicon'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Running, rawExchange, startServer } from './testing.js'
import type { StreamInput } from './types.js'

const CID = 'bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm'
let srv: Running
const agent = new Agent({ keepAlive: true, maxSockets: 4 })

beforeAll(async () => {
  srv = await startServer(
    (x) => {
      const ok = () => ({
        encoding: 'application/json' as const,
        body: { uri: `at://did:plc:abc/a.b.c/x`, cid: CID },
      })
      x.method('com.atproto.repo.getRecord', ok)
      x.method('com.atproto.repo.createRecord', ok)
      x.method('app.bsky.feed.getAuthorFeed', () => ({ encoding: 'application/json', body: { feed: [] } }))
      x.method('app.bsky.actor.getProfiles', () => ({ encoding: 'application/json', body: { profiles: [] } }))
      x.method('com.atproto.server.deleteSession', () => undefined)
      x.method(
        'com.atproto.repo.uploadBlob',
        async ({ input }) => {
          for await (const _ of (input as StreamInput).stream);
          return {
            encoding: 'application/json',
            body: { blob: { $type: 'blob', ref: { $link: CID }, mimeType: 'image/png', size: 1 } },
          }
        },
        { blobLimit: 10_000 },
      )
      x.method(
        'com.example.untyped.q',
        ({ params }) => ({ encoding: 'application/json', body: { params } }),
        {
          type: 'query',
        },
      )
      x.method(
        'com.example.untyped.p',
        async ({ input }) => {
          if (input && 'stream' in input) for await (const _ of input.stream);
          return { encoding: 'application/json', body: { ok: true } }
        },
        { type: 'procedure', maxJsonBytes: 20_000, blobLimit: 20_000 },
      )
      x.subscription('com.atproto.sync.subscribeRepos', async function* () {})
      x.route('GET', '/.well-known/atproto-did', () => ({
        encoding: 'text/plain',
        body: new TextEncoder().encode('did:plc:abc'),
      }))
    },
    { lexicons: officialLexicons(), validateOutput: true, cors: true },
  )
})
afterAll(async () => {
  agent.destroy()
  await srv.close()
})

const KNOWN = [
  '/xrpc/com.atproto.repo.getRecord',
  '/xrpc/com.atproto.repo.createRecord',
  '/xrpc/app.bsky.feed.getAuthorFeed',
  '/xrpc/app.bsky.actor.getProfiles',
  '/xrpc/com.atproto.server.deleteSession',
  '/xrpc/com.atproto.repo.uploadBlob',
  '/xrpc/com.example.untyped.q',
  '/xrpc/com.example.untyped.p',
  '/xrpc/com.atproto.sync.subscribeRepos',
  '/xrpc/_health',
  '/.well-known/atproto-did',
  '/xrpc/',
  '/xrpc/com.example.unknown',
  '/',
]
const PARAM_NAMES = [
  'repo',
  'collection',
  'rkey',
  'cid',
  'actor',
  'limit',
  'cursor',
  'filter',
  'includePins',
  'actors',
  '__proto__',
  'constructor',
  '',
]
const VALUES = [
  'alice.test',
  'did:plc:abc',
  'app.bsky.feed.post',
  '3k',
  '10',
  '-1',
  '1e3',
  'true',
  'false',
  '',
  '%zz',
  '%00',
  '%C3%A9',
  '%ED%A0%80',
  '+',
  'a'.repeat(300),
  CID,
]

const pathArb = fc.oneof(
  { arbitrary: fc.constantFrom(...KNOWN), weight: 8 },
  fc.string({ maxLength: 40 }).map((s) => `/xrpc/${encodeURIComponent(s)}`),
  fc.stringMatching(/^[a-z]{1,5}(\.[a-z]{1,5}){1,4}$/).map((s) => `/xrpc/${s}`),
  fc.webPath(),
)
const queryArb = fc
  .array(
    fc.tuple(
      fc.oneof(fc.constantFrom(...PARAM_NAMES), fc.string({ maxLength: 6 })),
      fc.oneof(fc.constantFrom(...VALUES), fc.string({ maxLength: 12 })),
    ),
    { maxLength: 8 },
  )
  .map((pairs) =>
    pairs.length === 0
      ? ''
      : `?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${VALUES.includes(v) ? v : encodeURIComponent(v)}`).join('&')}`,
  )
const bodyArb: fc.Arbitrary<string | Uint8Array | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.json({ maxDepth: 4 }),
  fc.constantFrom(
    '{',
    '[]',
    '{"repo":"did:plc:abc","collection":"app.bsky.feed.post","record":{"$type":"x"}}',
    '1.5',
    '{"a":1e400}',
    '"\\ud800"',
  ),
  fc.uint8Array({ maxLength: 2000 }),
  fc.nat({ max: 40_000 }).map((n) => `"${'x'.repeat(n)}"`),
)
const headersArb = fc.record(
  {
    'content-type': fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'text/plain',
      'image/png',
      '*/*',
      'garbage',
      ';',
      'application/vnd.ipld.car',
    ),
    authorization: fc.constantFrom('Bearer x', 'Basic !!', 'Basic YTpi', 'Bearer', ''),
    origin: fc.constant('https://example.com'),
    'access-control-request-headers': fc.constantFrom('authorization', 'x, y'),
  },
  { requiredKeys: [] },
)
const methodArb = fc.oneof(
  { arbitrary: fc.constantFrom('GET', 'POST'), weight: 6 },
  fc.constantFrom('HEAD', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'),
)

function send(
  method: string,
  path: string,
  headers: Record<string, string>,
  body: string | Uint8Array | undefined,
): Promise<{ status: number; type: string | undefined; text: string }> {
  return new Promise((resolve, reject) => {
    const payload = method === 'GET' || method === 'HEAD' ? undefined : body
    // Node's client frames bodies of DELETE and OPTIONS only with an explicit length.
    const all =
      payload === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(payload)) }
    const req = request({ host: '127.0.0.1', port: srv.port, method, path, headers: all, agent }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          type: res.headers['content-type'],
          text: Buffer.concat(chunks).toString(),
        }),
      )
    })
    req.on('error', reject)
    req.end(payload)
  })
}

describe('fuzz', () => {
  it('answers random HTTP requests without a 500', async () => {
    await fc.assert(
      fc.asyncProperty(
        methodArb,
        pathArb,
        queryArb,
        headersArb,
        bodyArb,
        async (method, path, query, headers, body) => {
          const res = await send(method, path + query, headers, body)
          expect(res.status, `${method} ${path}${query}`).not.toBe(500)
          expect(res.status).toBeLessThan(502)
          if (res.status >= 400 && method !== 'HEAD') {
            const err = JSON.parse(res.text) as { error: unknown; message: unknown }
            expect(typeof err.error).toBe('string')
            expect(typeof err.message).toBe('string')
          }
        },
      ),
      { numRuns: 400 },
    )
    expect(srv.logger.errors).toEqual([])
  })

  it('survives random bytes and malformed HTTP on the socket', async () => {
    const junkArb = fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 300 }),
      fc.constantFrom(
        'GET /xrpc/_health HTTP/1.1\r\n\r\n',
        'GET /xrpc/_health HTTP/9.9\r\nHost: x\r\n\r\n',
        'GET  HTTP/1.1\r\nHost: x\r\n\r\n',
        'POST /xrpc/com.example.untyped.p HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n',
        'POST /xrpc/com.example.untyped.p HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n',
        `GET /xrpc/_health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
        'GET /xrpc/_health HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n',
      ),
    )
    await fc.assert(
      fc.asyncProperty(junkArb, async (junk) => {
        // Half-close: a prefix of a valid request (a lone "L" could begin "LOCK") would otherwise
        // wait out the header timeout, which the slow-client test below covers on its own.
        const answer = await rawExchange(srv.port, junk, 3000, true)
        expect(answer).not.toMatch(/^HTTP\/1\.1 5\d\d/)
      }),
      { numRuns: 60 },
    )
    const health = await fetch(`${srv.url}/xrpc/_health`)
    expect(health.status).toBe(200)
    expect(srv.logger.errors).toEqual([])
  })
})

describe('a client that stalls mid-request', () => {
  it('is cut off once the header timeout passes, and the server goes on serving', async () => {
    const slow = await startServer(() => {}, { timeouts: { headersMs: 400 } })
    try {
      const started = Date.now()
      // "L" could begin "LOCK": the parser waits for more, so only the timeout ends this.
      const answer = await rawExchange(slow.port, 'L', 5000)
      const waited = Date.now() - started
      expect(waited).toBeGreaterThanOrEqual(300)
      expect(waited).toBeLessThan(4000)
      expect(answer).not.toMatch(/^HTTP\/1\.1 5\d\d/)
      expect((await fetch(`${slow.url}/xrpc/_health`)).status).toBe(200)
    } finally {
      await slow.close()
    }
  })
})

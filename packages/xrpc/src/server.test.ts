import { officialLexicons, ValidationError } from '@welkin/lexicon'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  AuthRequiredError,
  ForbiddenError,
  InternalServerError,
  InvalidRequestError,
  MethodNotImplementedError,
  NotFoundError,
  PayloadTooLargeError,
  RateLimitExceededError,
  UpstreamFailureError,
  UpstreamTimeoutError,
  XrpcConfigError,
  type XrpcError,
} from './errors.js'
import { createXrpcServer } from './server.js'
import { httpRequest, type Running, startServer } from './testing.js'
import type { HandlerContext } from './types.js'

const lexicons = officialLexicons()
let srv: Running
let last: HandlerContext | undefined

const echo = (ctx: HandlerContext) => {
  last = ctx
  return { encoding: 'application/json' as const, body: { params: ctx.params } }
}

const thrown: Record<string, () => XrpcError | Error> = {
  invalid: () => new InvalidRequestError('bad thing', 'RecordNotFound'),
  auth: () => new AuthRequiredError(),
  forbidden: () => new ForbiddenError('not yours'),
  notfound: () => new NotFoundError(),
  notimpl: () => new MethodNotImplementedError(),
  toolarge: () => new PayloadTooLargeError(),
  ratelimit: () => new RateLimitExceededError(undefined, { headers: { 'Retry-After': '7' } }),
  upstream: () => new UpstreamFailureError('appview down'),
  timeout: () => new UpstreamTimeoutError(),
  internal: () => new InternalServerError(),
  validation: () => new ValidationError('Record/text', 'must be a string'),
  bug: () => new TypeError('secret internal detail'),
}

beforeAll(async () => {
  srv = await startServer(
    (x) => {
      x.method('com.atproto.repo.getRecord', echo)
      x.method('app.bsky.feed.getAuthorFeed', echo)
      x.method('app.bsky.actor.getProfiles', echo)
      x.method('com.example.untyped.query', echo, { type: 'query' })
      x.method('com.example.untyped.proc', echo, { type: 'procedure' })
      x.method(
        'com.atproto.server.describeServer',
        ({ params }) => {
          const kind = String(params.throw ?? '')
          if (kind in thrown) throw thrown[kind]()
          if (kind === 'raw') return { encoding: 'text/plain', body: new TextEncoder().encode('plain') }
          if (kind === 'nothing') return undefined
          if (kind === 'status') return { encoding: 'application/json', body: { ok: 1 }, status: 202 }
          return {
            encoding: 'application/json',
            body: { did: 'did:web:example.com', availableUserDomains: [] },
          }
        },
        {},
      )
    },
    { lexicons, version: '9.9.9' },
  )
})
afterAll(() => srv.close())

const get = (path: string, init?: RequestInit) => fetch(srv.url + path, init)

describe('routing', () => {
  it('answers a query with JSON and nosniff', async () => {
    const res = await get('/xrpc/com.atproto.server.describeServer')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8')
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(await res.json()).toEqual({ did: 'did:web:example.com', availableUserDomains: [] })
  })

  it('answers HEAD on a query without a body', async () => {
    const res = await get('/xrpc/com.atproto.server.describeServer', { method: 'HEAD' })
    expect(res.status).toBe(200)
    expect(await res.text()).toBe('')
  })

  it('sends binary output, empty output and a chosen status', async () => {
    const raw = await get('/xrpc/com.atproto.server.describeServer?throw=raw')
    expect(raw.headers.get('content-type')).toBe('text/plain')
    expect(await raw.text()).toBe('plain')
    const none = await get('/xrpc/com.atproto.server.describeServer?throw=nothing')
    expect(none.status).toBe(200)
    expect(await none.text()).toBe('')
    const accepted = await get('/xrpc/com.atproto.server.describeServer?throw=status')
    expect(accepted.status).toBe(202)
  })

  it('serves the built-in health check', async () => {
    const res = await get('/xrpc/_health')
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ version: '9.9.9' })
  })

  it('answers an unknown but well-formed method with 501 MethodNotImplemented', async () => {
    const res = await get('/xrpc/com.example.nothing.here')
    expect(res.status).toBe(501)
    expect(await res.json()).toEqual({ error: 'MethodNotImplemented', message: 'Method Not Implemented' })
  })

  it('answers a path that is no NSID, and any non-XRPC path, with a JSON 404', async () => {
    for (const path of ['/xrpc/not-an-nsid', '/xrpc/', '/', '/favicon.ico', '/xrpc']) {
      const res = await get(path)
      expect(res.status, path).toBe(404)
      expect(((await res.json()) as { error: string }).error).toBe('NotFound')
    }
  })

  it('refuses the wrong verb with 405 and Allow', async () => {
    const post = await get('/xrpc/com.atproto.repo.getRecord', { method: 'POST' })
    expect(post.status).toBe(405)
    expect(post.headers.get('allow')).toBe('GET, HEAD')
    expect(((await post.json()) as { error: string }).error).toBe('MethodNotAllowed')
    const getProc = await get('/xrpc/com.example.untyped.proc')
    expect(getProc.status).toBe(405)
    expect(getProc.headers.get('allow')).toBe('POST')
    const del = await get('/xrpc/com.atproto.repo.getRecord', { method: 'DELETE' })
    expect(del.status).toBe(405)
  })
})

describe('params', () => {
  it('passes validated lexicon params to the handler', async () => {
    const res = await get(
      '/xrpc/com.atproto.repo.getRecord?repo=alice.example.com&collection=app.bsky.feed.post&rkey=3k2a',
    )
    expect(res.status).toBe(200)
    expect(last?.params).toEqual({
      repo: 'alice.example.com',
      collection: 'app.bsky.feed.post',
      rkey: '3k2a',
    })
    expect(last?.nsid).toBe('com.atproto.repo.getRecord')
    expect(last?.input).toBeUndefined()
  })

  it('coerces integers and booleans and fills defaults', async () => {
    await get('/xrpc/app.bsky.feed.getAuthorFeed?actor=did%3Aplc%3Aabc&limit=10&includePins=true')
    expect(last?.params).toEqual({
      actor: 'did:plc:abc',
      limit: 10,
      includePins: true,
      filter: 'posts_with_replies',
    })
    await get('/xrpc/app.bsky.feed.getAuthorFeed?actor=alice.test')
    expect(last?.params.limit).toBe(50)
    expect(last?.params.includePins).toBe(false)
  })

  it('turns repeated names into arrays', async () => {
    await get('/xrpc/app.bsky.actor.getProfiles?actors=alice.test&actors=did%3Aplc%3Abob')
    expect(last?.params).toEqual({ actors: ['alice.test', 'did:plc:bob'] })
    await get('/xrpc/app.bsky.actor.getProfiles?actors=alice.test')
    expect(last?.params).toEqual({ actors: ['alice.test'] })
  })

  it('passes params as strings without a lexicon', async () => {
    await get('/xrpc/com.example.untyped.query?a=1&b=x&b=y&__proto__=z')
    const params = last?.params ?? {}
    expect([params.a, params.b]).toEqual(['1', ['x', 'y']])
    expect(Object.getOwnPropertyDescriptor(params, '__proto__')?.value).toBe('z')
  })

  const bad: [string, RegExp][] = [
    ['/xrpc/com.atproto.repo.getRecord?repo=alice.test&collection=app.bsky.feed.post', /"rkey"/],
    ['/xrpc/com.atproto.repo.getRecord?repo=alice.test&collection=nope&rkey=a', /Params\/collection/],
    ['/xrpc/com.atproto.repo.getRecord?repo=a%20b&collection=a.b.c&rkey=a', /Params\/repo/],
    ['/xrpc/app.bsky.feed.getAuthorFeed?actor=alice.test&limit=ten', /Params\/limit must be an integer/],
    ['/xrpc/app.bsky.feed.getAuthorFeed?actor=alice.test&limit=1.5', /Params\/limit/],
    ['/xrpc/app.bsky.feed.getAuthorFeed?actor=alice.test&limit=1000', /Params\/limit/],
    ['/xrpc/app.bsky.feed.getAuthorFeed?actor=alice.test&limit=99999999999999999999', /Params\/limit/],
    ['/xrpc/app.bsky.feed.getAuthorFeed?actor=alice.test&limit=1&limit=2', /Params\/limit/],
    ['/xrpc/app.bsky.feed.getAuthorFeed?actor=alice.test&includePins=yes', /Params\/includePins/],
    [`/xrpc/app.bsky.actor.getProfiles?${'actors=a.test&'.repeat(26)}`, /more than 25/],
    [`/xrpc/com.example.untyped.query?${'a=1&'.repeat(1001)}`, /Too many query parameters/],
  ]
  it.each(bad)('refuses %s with 400 InvalidRequest', async (path, message) => {
    const res = await get(path)
    expect(res.status).toBe(400)
    const body = (await res.json()) as { error: string; message: string }
    expect(body.error).toBe('InvalidRequest')
    expect(body.message).toMatch(message)
  })

  it('refuses a URL over the length limit with 414', async () => {
    const res = await get(`/xrpc/com.example.untyped.query?a=${'x'.repeat(9000)}`)
    expect(res.status).toBe(414)
    expect(((await res.json()) as { error: string }).error).toBe('InvalidRequest')
  })
})

describe('errors', () => {
  const cases: [string, number, string][] = [
    ['invalid', 400, 'RecordNotFound'],
    ['auth', 401, 'AuthenticationRequired'],
    ['forbidden', 403, 'Forbidden'],
    ['notfound', 404, 'NotFound'],
    ['notimpl', 501, 'MethodNotImplemented'],
    ['toolarge', 413, 'PayloadTooLarge'],
    ['ratelimit', 429, 'RateLimitExceeded'],
    ['upstream', 502, 'UpstreamFailure'],
    ['timeout', 504, 'UpstreamTimeout'],
    ['internal', 500, 'InternalServerError'],
    ['validation', 400, 'InvalidRequest'],
  ]
  it.each(cases)('a thrown %s error becomes %i %s', async (kind, status, error) => {
    const res = await get(`/xrpc/com.atproto.server.describeServer?throw=${kind}`)
    expect(res.status).toBe(status)
    const body = (await res.json()) as { error: string; message: string }
    expect(body.error).toBe(error)
    expect(typeof body.message).toBe('string')
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8')
  })

  it('adds the error headers: WWW-Authenticate on 401, Retry-After on 429', async () => {
    const auth = await get('/xrpc/com.atproto.server.describeServer?throw=auth')
    expect(auth.headers.get('www-authenticate')).toBe('Bearer')
    const limited = await get('/xrpc/com.atproto.server.describeServer?throw=ratelimit')
    expect(limited.headers.get('retry-after')).toBe('7')
  })

  it('hides an unexpected error behind a generic 500 and logs it with its stack', async () => {
    const before = srv.logger.errors.length
    const res = await get('/xrpc/com.atproto.server.describeServer?throw=bug')
    expect(res.status).toBe(500)
    const text = await res.text()
    expect(JSON.parse(text)).toEqual({ error: 'InternalServerError', message: 'Internal Server Error' })
    expect(text).not.toContain('secret')
    const logged = srv.logger.errors.slice(before)
    expect(logged).toHaveLength(1)
    expect((logged[0].details!.err as Error).stack).toContain('secret internal detail')
  })
})

describe('output validation', () => {
  it('turns output that breaks the lexicon into a logged 500', async () => {
    const s = await startServer(
      (x) => {
        x.method('com.atproto.server.describeServer', () => ({
          encoding: 'application/json',
          body: { did: 42, availableUserDomains: [] },
        }))
        x.method('com.atproto.repo.getRecord', () => ({ encoding: 'text/plain', body: new Uint8Array(1) }))
        x.method('com.atproto.identity.resolveHandle', () => ({
          encoding: 'application/json',
          body: { did: 'did:plc:abc' },
        }))
      },
      { lexicons, validateOutput: true },
    )
    try {
      const bad = await fetch(`${s.url}/xrpc/com.atproto.server.describeServer`)
      expect(bad.status).toBe(500)
      expect(s.logger.errors[0].message).toContain('describeServer')
      expect(String((s.logger.errors[0].details!.err as Error).message)).toMatch(/Output\/did/)
      const wrongType = await fetch(
        `${s.url}/xrpc/com.atproto.repo.getRecord?repo=a.test&collection=a.b.c&rkey=x`,
      )
      expect(wrongType.status).toBe(500)
      const good = await fetch(`${s.url}/xrpc/com.atproto.identity.resolveHandle?handle=alice.test`)
      expect(good.status).toBe(200)
    } finally {
      await s.close()
    }
  })
})

describe('registration', () => {
  it('refuses methods it can not type, duplicates and bad NSIDs', () => {
    const x = createXrpcServer({ lexicons })
    expect(() => x.method('com.example.unknown', echo)).toThrow(XrpcConfigError)
    expect(() => x.method('not an nsid', echo, { type: 'query' })).toThrow(XrpcConfigError)
    expect(() => x.method('com.atproto.repo.getRecord', echo, { type: 'procedure' })).toThrow(/is a query/)
    expect(() => x.method('com.atproto.sync.subscribeRepos', echo)).toThrow(/subscription/)
    expect(() =>
      x.subscription('com.atproto.repo.getRecord', async function* () {
        yield new Uint8Array(0)
      }),
    ).toThrow(/method\(\)/)
    x.method('com.atproto.repo.getRecord', echo)
    expect(() => x.method('com.atproto.repo.getRecord', echo)).toThrow(/already registered/)
    expect(() => x.method('com.example.a', echo, { type: 'query', blobLimit: -1 })).toThrow(XrpcConfigError)
    expect(() => x.route('GET', 'no-slash', () => undefined)).toThrow(XrpcConfigError)
  })

  it('can be driven through its raw handler without a port', async () => {
    const x = createXrpcServer()
    x.method('com.example.ping', () => ({ encoding: 'application/json', body: { pong: true } }), {
      type: 'query',
    })
    const { createServer } = await import('node:http')
    const plain = createServer(x.handler)
    await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r))
    const port = (plain.address() as { port: number }).port
    const res = await httpRequest(port, 'GET', '/xrpc/com.example.ping')
    expect(res.json()).toEqual({ pong: true })
    await new Promise((r) => plain.close(r))
  })
})

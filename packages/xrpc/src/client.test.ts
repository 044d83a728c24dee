import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodeParams, XrpcClient } from './client.js'
import { InvalidRequestError, XrpcClientError } from './errors.js'
import { type Running, startServer } from './testing.js'
import type { JsonInput, StreamInput } from './types.js'

let srv: Running
let client: XrpcClient

async function drain(stream: AsyncIterable<Uint8Array>): Promise<number> {
  let n = 0
  for await (const c of stream) n += c.length
  return n
}

beforeAll(async () => {
  srv = await startServer((x) => {
    x.method(
      'com.example.echo',
      ({ params, req }) => ({
        encoding: 'application/json',
        body: { params, auth: req.headers.authorization ?? null, path: req.url },
      }),
      { type: 'query' },
    )
    x.method(
      'com.example.take',
      async ({ input }) => {
        if (input && 'stream' in input)
          return {
            encoding: 'application/json',
            body: { bytes: await drain((input as StreamInput).stream), type: input.encoding },
          }
        return {
          encoding: 'application/json',
          body: { json: (input as JsonInput | undefined)?.body ?? null },
        }
      },
      { type: 'procedure' },
    )
    x.method(
      'com.example.fail',
      () => {
        throw new InvalidRequestError('That record is gone', 'RecordNotFound')
      },
      { type: 'query' },
    )
    x.method(
      'com.example.slow',
      async () => {
        await new Promise((r) => setTimeout(r, 2000))
        return undefined
      },
      { type: 'query' },
    )
    x.method(
      'com.example.big',
      ({ params }) => {
        const bytes = new Uint8Array(5000)
        if (params.stream === 'yes') {
          return {
            encoding: 'application/octet-stream',
            body: (async function* () {
              for (let i = 0; i < 5; i++) yield bytes.subarray(0, 1000)
            })(),
          }
        }
        return { encoding: 'application/octet-stream', body: bytes }
      },
      { type: 'query' },
    )
    x.method(
      'com.example.notjson',
      () => ({ encoding: 'application/json', body: new TextEncoder().encode('{oops') }),
      {
        type: 'query',
      },
    )
    x.route('GET', '/xrpc/com.example.proxyerror', ({ res }) => {
      res.writeHead(502, { 'content-type': 'text/html' })
      res.end('<html>Bad Gateway</html>')
    })
  })
  let n = 0
  client = new XrpcClient(`${srv.url}/some/prefix/ignored`, {
    headers: () => ({ authorization: `Bearer t${++n}` }),
  })
})
afterAll(() => srv.close())

describe('XrpcClient', () => {
  it('encodes params: repeats for arrays, true/false, skips undefined', async () => {
    expect(encodeParams({ a: [1, 'x'], b: true, c: undefined, d: null, e: 'é&=' })).toBe(
      '?a=1&a=x&b=true&e=%C3%A9%26%3D',
    )
    const res = await client.query<{ params: unknown; path: string }>('com.example.echo', {
      a: ['1', '2'],
      b: false,
    })
    expect(res.status).toBe(200)
    expect(res.body.params).toEqual({ a: ['1', '2'], b: 'false' })
    expect(res.body.path).toBe('/xrpc/com.example.echo?a=1&a=2&b=false')
    expect(res.headers['content-type']).toMatch(/^application\/json/)
  })

  it('sends the configured headers, computed per call', async () => {
    const a = await client.query<{ auth: string }>('com.example.echo')
    const b = await client.query<{ auth: string }>(
      'com.example.echo',
      {},
      { headers: { authorization: 'Bearer mine' } },
    )
    const c = await client.query<{ auth: string }>('com.example.echo')
    expect(a.body.auth).toMatch(/^Bearer t\d+$/)
    expect(b.body.auth).toBe('Bearer mine')
    expect(c.body.auth).not.toBe(a.body.auth)
  })

  it('sends JSON and binary inputs', async () => {
    const json = await client.procedure('com.example.take', undefined, { hello: ['world'] })
    expect(json.body).toEqual({ json: { hello: ['world'] } })
    const bin = await client.procedure('com.example.take', undefined, new Uint8Array(321), {
      encoding: 'image/png',
    })
    expect(bin.body).toEqual({ bytes: 321, type: 'image/png' })
    const none = await client.procedure('com.example.take')
    expect(none.body).toEqual({ json: null })
  })

  it('returns bytes for non-JSON answers', async () => {
    const res = await client.query<Uint8Array>('com.example.big')
    expect(res.body).toBeInstanceOf(Uint8Array)
    expect(res.body.length).toBe(5000)
  })

  async function failure(p: Promise<unknown>): Promise<XrpcClientError> {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(XrpcClientError)
    return err as XrpcClientError
  }

  it('throws the server error name, message and status', async () => {
    const err = await failure(client.query('com.example.fail'))
    expect([err.status, err.error, err.message]).toEqual([400, 'RecordNotFound', 'That record is gone'])
    const missing = await failure(client.query('com.example.nothing'))
    expect([missing.status, missing.error]).toEqual([501, 'MethodNotImplemented'])
  })

  it('copes with error pages that are not XRPC JSON', async () => {
    const err = await failure(client.query('com.example.proxyerror'))
    expect([err.status, err.error, err.message]).toEqual([502, 'UpstreamFailure', 'HTTP 502'])
  })

  it('reports malformed JSON as InvalidResponse', async () => {
    const err = await failure(client.query('com.example.notjson'))
    expect(err.error).toBe('InvalidResponse')
  })

  it('caps the response size, declared or streamed', async () => {
    const small = new XrpcClient(srv.url, { maxResponseBytes: 2000 })
    expect((await failure(small.query('com.example.big'))).error).toBe('ResponseTooLarge')
    expect((await failure(small.query('com.example.big', { stream: 'yes' }))).error).toBe('ResponseTooLarge')
    const ok = await small.query('com.example.big', { stream: 'yes' }, { maxResponseBytes: 5000 })
    expect((ok.body as Uint8Array).length).toBe(5000)
  })

  it('times out, aborts, and reports network failures with status 0', async () => {
    const timedOut = await failure(client.query('com.example.slow', {}, { timeoutMs: 100 }))
    expect([timedOut.status, timedOut.error]).toEqual([0, 'Timeout'])
    const ac = new AbortController()
    setTimeout(() => ac.abort(), 50)
    const aborted = await failure(client.query('com.example.slow', {}, { signal: ac.signal }))
    expect(aborted.error).toBe('Aborted')
    const dead = new XrpcClient('http://127.0.0.1:1')
    const refused = await failure(dead.query('com.example.echo'))
    expect([refused.status, refused.error]).toEqual([0, 'NetworkError'])
  })
})

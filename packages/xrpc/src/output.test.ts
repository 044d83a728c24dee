import { request } from 'node:http'
import { CID } from '@welkin/data'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NotFoundError } from './errors.js'
import { httpRequest, type Running, startServer } from './testing.js'

const CID_STR = 'bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm'
const CHUNK = 64 * 1024
const CHUNKS = 80 // 5 MiB in all
let srv: Running
let producerDone: Promise<'finished' | 'stopped'> = Promise.resolve('finished')

beforeAll(async () => {
  srv = await startServer((x) => {
    x.method(
      'com.example.stream.bytes',
      ({ params, signal }) => {
        const count = Number(params.chunks ?? CHUNKS)
        let settle: (v: 'finished' | 'stopped') => void = () => {}
        producerDone = new Promise((r) => {
          settle = r
        })
        async function* chunks() {
          let finished = false
          try {
            for (let i = 0; i < count; i++) {
              if (signal.aborted) return
              yield new Uint8Array(CHUNK).fill(i & 0xff)
              await new Promise((r) => setImmediate(r))
            }
            finished = true
          } finally {
            settle(finished ? 'finished' : 'stopped')
          }
        }
        return { encoding: 'application/vnd.ipld.car', body: chunks() }
      },
      { type: 'query' },
    )
    x.method(
      'com.example.stream.broken',
      () => {
        async function* chunks() {
          yield new Uint8Array(10)
          throw new Error('disk gone')
        }
        return { encoding: 'application/octet-stream', body: chunks() }
      },
      { type: 'query' },
    )
    x.method(
      'com.example.data.json',
      () => ({
        encoding: 'application/json',
        body: { cid: CID.parse(CID_STR), bytes: new Uint8Array([1, 2, 3]), buf: Buffer.from([255]), n: null },
      }),
      { type: 'query' },
    )
    x.method(
      'com.example.preencoded',
      () => ({
        encoding: 'application/json',
        body: new TextEncoder().encode('{"already":"json"}'),
        headers: { 'Cache-Control': 'max-age=60' },
      }),
      { type: 'query' },
    )
    x.route('GET', '/.well-known/atproto-did', () => ({
      encoding: 'text/plain',
      body: new TextEncoder().encode('did:plc:abc'),
    }))
    x.route('GET', '/static/*', ({ path, query }) => ({
      encoding: 'application/json',
      body: { path, q: query.get('q') },
    }))
    x.route('GET', '/static/deeper/*', () => ({ encoding: 'application/json', body: { deeper: true } }))
    x.route('*', '/any', ({ req }) => ({ encoding: 'application/json', body: { method: req.method } }))
    x.route('GET', '/missing', () => {
      throw new NotFoundError('no such thing')
    })
    x.route('GET', '/xrpc/_health', () => ({ encoding: 'application/json', body: { custom: true } }))
  })
})
afterAll(() => srv.close())

describe('streamed output', () => {
  it('streams a large binary body chunked, intact', async () => {
    const res = await fetch(`${srv.url}/xrpc/com.example.stream.bytes`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/vnd.ipld.car')
    expect(res.headers.get('transfer-encoding')).toBe('chunked')
    const bytes = new Uint8Array(await res.arrayBuffer())
    expect(bytes.length).toBe(CHUNK * CHUNKS)
    for (let i = 0; i < CHUNKS; i++) expect(bytes[i * CHUNK + 123]).toBe(i & 0xff)
    expect(await producerDone).toBe('finished')
  })

  it('stops the producer when the client goes away', async () => {
    await new Promise<void>((resolve, reject) => {
      const req = request({
        host: '127.0.0.1',
        port: srv.port,
        path: '/xrpc/com.example.stream.bytes?chunks=100000',
      })
      req.on('response', (res) => {
        res.once('data', () => {
          req.destroy()
          resolve()
        })
      })
      req.on('error', () => {})
      req.on('close', resolve)
      setTimeout(() => reject(new Error('no data')), 5000)
      req.end()
    })
    expect(await producerDone).toBe('stopped')
  })

  it('cuts the connection when the producer fails mid-stream, and logs it', async () => {
    // Headers and the first bytes may or may not arrive first; the body never completes.
    await expect(
      fetch(`${srv.url}/xrpc/com.example.stream.broken`).then((r) => r.arrayBuffer()),
    ).rejects.toThrow()
    expect(srv.logger.errors.some((e) => e.message.includes('streamed response failed'))).toBe(true)
  })
})

describe('JSON output', () => {
  it('encodes CIDs as $link and bytes as $bytes', async () => {
    const res = await fetch(`${srv.url}/xrpc/com.example.data.json`)
    expect(await res.json()).toEqual({
      cid: { $link: CID_STR },
      bytes: { $bytes: 'AQID' },
      buf: { $bytes: '/w' },
      n: null,
    })
  })

  it('sends pre-encoded JSON bytes as they are, with the handler headers', async () => {
    const res = await fetch(`${srv.url}/xrpc/com.example.preencoded`)
    expect(res.headers.get('content-type')).toBe('application/json')
    expect(res.headers.get('cache-control')).toBe('max-age=60')
    expect(await res.json()).toEqual({ already: 'json' })
  })
})

describe('routes', () => {
  it('serves exact and prefix routes, longest prefix first', async () => {
    const did = await fetch(`${srv.url}/.well-known/atproto-did`)
    expect(await did.text()).toBe('did:plc:abc')
    expect(did.headers.get('x-content-type-options')).toBe('nosniff')
    expect(await (await fetch(`${srv.url}/static/a/b?q=1`)).json()).toEqual({ path: '/static/a/b', q: '1' })
    expect(await (await fetch(`${srv.url}/static/deeper/x`)).json()).toEqual({ deeper: true })
  })

  it('matches any verb with *, refuses others with 405, maps thrown errors', async () => {
    expect(await (await fetch(`${srv.url}/any`, { method: 'PUT' })).json()).toEqual({ method: 'PUT' })
    const wrong = await httpRequest(srv.port, 'POST', '/.well-known/atproto-did')
    expect(wrong.status).toBe(405)
    expect(wrong.headers.allow).toBe('GET')
    const missing = await fetch(`${srv.url}/missing`)
    expect(missing.status).toBe(404)
    expect(await missing.json()).toEqual({ error: 'NotFound', message: 'no such thing' })
  })

  it('lets a route override the built-in health check', async () => {
    expect(await (await fetch(`${srv.url}/xrpc/_health`)).json()).toEqual({ custom: true })
  })
})

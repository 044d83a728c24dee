import { connect } from 'node:net'
import { CID } from '@welkin/data'
import { officialLexicons } from '@welkin/lexicon'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Running, rawExchange, rawJson, rawStatus, startServer } from './testing.js'
import type { HandlerContext, JsonInput, StreamInput } from './types.js'

const CID_STR = 'bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm'
let srv: Running
let last: HandlerContext | undefined

async function drain(stream: AsyncIterable<Uint8Array>): Promise<number> {
  let n = 0
  for await (const chunk of stream) n += chunk.length
  return n
}

beforeAll(async () => {
  srv = await startServer(
    (x) => {
      const keep = (ctx: HandlerContext) => {
        last = ctx
        const input = ctx.input as JsonInput | undefined
        return { encoding: 'application/json' as const, body: { got: input?.body ?? null } }
      }
      x.method('com.atproto.repo.createRecord', keep)
      x.method('com.atproto.server.deleteSession', keep)
      x.method(
        'com.atproto.repo.uploadBlob',
        async (ctx) => {
          last = ctx
          const input = ctx.input as StreamInput
          const size = await drain(input.stream)
          return { encoding: 'application/json', body: { size, encoding: input.encoding } }
        },
        { blobLimit: 1000 },
      )
      x.method('com.atproto.repo.importRepo', (ctx) => {
        last = ctx
        return undefined // never reads its body
      })
      x.method(
        'com.example.untyped.proc',
        async (ctx) => {
          last = ctx
          const input = ctx.input
          if (input && 'stream' in input)
            return { encoding: 'application/json', body: { size: await drain(input.stream) } }
          return { encoding: 'application/json', body: { json: input?.body ?? null } }
        },
        { type: 'procedure' },
      )
    },
    { lexicons: officialLexicons(), maxJsonBytes: 64 * 1024 },
  )
})
afterAll(() => srv.close())

const post = (nsid: string, body?: BodyInit, headers: Record<string, string> = {}) =>
  fetch(`${srv.url}/xrpc/${nsid}`, { method: 'POST', body, headers })
const json = { 'content-type': 'application/json' }
const record = {
  repo: 'did:plc:ewvi7nxzyoun6zhxrhs64oiz',
  collection: 'app.bsky.feed.post',
  record: {
    $type: 'app.bsky.feed.post',
    text: 'hi',
    createdAt: '2024-01-01T00:00:00.000Z',
    ref: { $link: CID_STR },
  },
}

async function errorOf(res: Response): Promise<[number, string, string]> {
  const body = (await res.json()) as { error: string; message: string }
  return [res.status, body.error, body.message]
}

describe('JSON input', () => {
  it('validates against the lexicon and offers both JSON and data forms', async () => {
    const res = await post('com.atproto.repo.createRecord', JSON.stringify(record), json)
    expect(res.status).toBe(200)
    const input = last?.input as JsonInput
    expect(input.encoding).toBe('application/json')
    expect(input.body).toEqual(record)
    const data = input.data as { record: { ref: unknown } }
    expect(data.record.ref).toBeInstanceOf(CID)
    expect(String(data.record.ref)).toBe(CID_STR)
  })

  it('accepts a charset parameter on the content type', async () => {
    const res = await post('com.atproto.repo.createRecord', JSON.stringify(record), {
      'content-type': 'Application/JSON; charset=utf-8',
    })
    expect(res.status).toBe(200)
  })

  const bad: [string, () => Promise<Response>, number, RegExp][] = [
    [
      'a missing required field',
      () => post('com.atproto.repo.createRecord', JSON.stringify({ repo: 'a.test' }), json),
      400,
      /Input must have the property "collection"/,
    ],
    [
      'a wrongly typed field',
      () => post('com.atproto.repo.createRecord', JSON.stringify({ ...record, validate: 'yes' }), json),
      400,
      /Input\/validate must be a boolean/,
    ],
    ['malformed JSON', () => post('com.atproto.repo.createRecord', '{"repo": ', json), 400, /not valid JSON/],
    ['an empty body', () => post('com.atproto.repo.createRecord', '', json), 400, /body is required/],
    ['no body at all', () => post('com.atproto.repo.createRecord'), 400, /body is required/],
    [
      'a float',
      () =>
        post(
          'com.atproto.repo.createRecord',
          JSON.stringify({ ...record, record: { ...record.record, n: 1.5 } }),
          json,
        ),
      400,
      /float/,
    ],
    [
      'a bad $link',
      () =>
        post('com.atproto.repo.createRecord', JSON.stringify({ ...record, record: { $link: 'nope' } }), json),
      400,
      /link/,
    ],
    [
      'the wrong content type',
      () => post('com.atproto.repo.createRecord', JSON.stringify(record), { 'content-type': 'text/plain' }),
      400,
      /Wrong request encoding/,
    ],
    [
      'no content type',
      () => post('com.atproto.repo.createRecord', new Uint8Array([123, 125])),
      400,
      /Content-Type header is required/,
    ],
    [
      'a compressed body',
      () =>
        post('com.atproto.repo.createRecord', JSON.stringify(record), {
          ...json,
          'content-encoding': 'gzip',
        }),
      400,
      /Content-Encoding gzip/,
    ],
    [
      'a body where none is expected',
      () => post('com.atproto.server.deleteSession', '{}', json),
      400,
      /takes no request body/,
    ],
    [
      'an oversized declared body',
      () =>
        post('com.atproto.repo.createRecord', JSON.stringify({ ...record, pad: 'x'.repeat(70_000) }), json),
      413,
      /over the limit of 65536/,
    ],
  ]
  it.each(bad)('refuses %s', async (_, send, status, message) => {
    const [st, error, msg] = await errorOf(await send())
    expect(st).toBe(status)
    expect(error).toBe(status === 413 ? 'PayloadTooLarge' : 'InvalidRequest')
    expect(msg).toMatch(message)
  })

  it('lets a procedure without input be called without a body', async () => {
    const res = await post('com.atproto.server.deleteSession')
    expect(res.status).toBe(200)
    expect(last?.input).toBeUndefined()
  })

  it('refuses a chunked JSON body as soon as it passes the limit', async () => {
    const chunk = 'x'.repeat(40_000)
    const body = `{"pad":"${chunk}${chunk}"}`
    const head =
      'POST /xrpc/com.example.untyped.proc HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n'
    const framed = `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`
    const answer = await rawExchange(srv.port, head + framed)
    expect(rawStatus(answer)).toBe(413)
    expect(rawJson(answer)).toMatchObject({ error: 'PayloadTooLarge' })
    expect(answer).toMatch(/connection: close/i)
  })

  it('parses JSON for methods without a lexicon', async () => {
    const res = await post('com.example.untyped.proc', '[1,2]', json)
    expect(await res.json()).toEqual({ json: [1, 2] })
    const empty = await post('com.example.untyped.proc')
    expect(await empty.json()).toEqual({ json: null })
  })
})

describe('a 50 MB body', () => {
  it('is refused from its Content-Length before any of it is read', async () => {
    const head = `POST /xrpc/com.example.untyped.proc HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${50 * 2 ** 20}\r\n\r\n`
    const answer = await rawExchange(srv.port, head)
    expect(rawStatus(answer)).toBe(413)
    expect(rawJson(answer)).toMatchObject({ error: 'PayloadTooLarge' })
  })

  it('streamed without a length, is cut off early and never buffered', async () => {
    const before = process.memoryUsage()
    const { written, answer } = await pushChunked(srv.port, 50 * 2 ** 20)
    const after = process.memoryUsage()
    // The server stops at its 64 KiB limit; what the client got in first is kernel buffering.
    expect(written).toBeLessThan(16 * 2 ** 20)
    if (answer !== '') expect(rawStatus(answer)).toBe(413)
    expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(16 * 2 ** 20)
    // The server is still fine.
    const res = await post('com.example.untyped.proc', '{}', json)
    expect(res.status).toBe(200)
  })
})

/** Streams `total` bytes of chunked JSON-ish body until done or the server hangs up. */
function pushChunked(port: number, total: number): Promise<{ written: number; answer: string }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    const data = Buffer.alloc(64 * 1024, 0x61)
    const frame = Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n')])
    let written = 0
    let closed = false
    const answer: Buffer[] = []
    socket.on('data', (c) => answer.push(c))
    socket.on('error', () => {})
    socket.on('close', () => {
      closed = true
      resolve({ written, answer: Buffer.concat(answer).toString('utf8') })
    })
    socket.write(
      'POST /xrpc/com.example.untyped.proc HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n',
    )
    const pump = () => {
      while (!closed && written < total) {
        written += data.length
        if (!socket.write(frame)) return socket.once('drain', pump)
      }
      if (!closed) socket.end('0\r\n\r\n')
    }
    pump()
  })
}

describe('binary input', () => {
  it('streams a body within the blob limit', async () => {
    const res = await post('com.atproto.repo.uploadBlob', new Uint8Array(500), {
      'content-type': 'image/png',
    })
    expect(await res.json()).toEqual({ size: 500, encoding: 'image/png' })
    expect((last!.input as StreamInput).length).toBe(500)
  })

  it('takes a body without a content type as application/octet-stream when any type is accepted', async () => {
    const res = await post('com.atproto.repo.uploadBlob', new Uint8Array(10))
    expect(await res.json()).toEqual({ size: 10, encoding: 'application/octet-stream' })
  })

  it('refuses a declared length over the blob limit with 413', async () => {
    const [status, error] = await errorOf(
      await post('com.atproto.repo.uploadBlob', new Uint8Array(1001), { 'content-type': 'image/png' }),
    )
    expect([status, error]).toEqual([413, 'PayloadTooLarge'])
  })

  it('refuses a chunked body once it passes the blob limit', async () => {
    const head =
      'POST /xrpc/com.atproto.repo.uploadBlob HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nTransfer-Encoding: chunked\r\n\r\n'
    const part = `258\r\n${'z'.repeat(600)}\r\n`
    const answer = await rawExchange(srv.port, `${head}${part}${part}0\r\n\r\n`)
    expect(rawStatus(answer)).toBe(413)
  })

  it('refuses a body whose type the lexicon does not accept', async () => {
    const [status, , message] = await errorOf(
      await post('com.atproto.repo.importRepo', new Uint8Array(4), { 'content-type': 'text/plain' }),
    )
    expect(status).toBe(400)
    expect(message).toMatch(/application\/vnd\.ipld\.car/)
  })

  it('answers even when the handler never reads the body, and closes that connection', async () => {
    const res = await post('com.atproto.repo.importRepo', new Uint8Array(100_000), {
      'content-type': 'application/vnd.ipld.car',
    })
    expect(res.status).toBe(200)
  })

  it('streams non-JSON bodies of methods without a lexicon', async () => {
    const res = await post('com.example.untyped.proc', new Uint8Array(300), { 'content-type': 'image/jpeg' })
    expect(await res.json()).toEqual({ size: 300 })
  })
})

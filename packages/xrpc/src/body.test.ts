// readJsonBody over real sockets: a body that came with its headers (read at once from the
// parser's buffer) and one that trickles in after them (read through listeners) give the same
// result, and a keep-alive connection goes on serving afterwards.
import { createServer, type Server } from 'node:http'
import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readJsonBody } from './body.js'
import { XrpcError } from './errors.js'

let server: Server
let port: number

beforeAll(async () => {
  server = createServer((req, res) => {
    // As the dispatcher does: the body is read a few turns after the request arrived.
    void Promise.resolve()
      .then(() => readJsonBody(req, 64))
      .then(
        (value) => res.end(JSON.stringify({ value })),
        (err: unknown) => {
          res.statusCode = err instanceof XrpcError ? err.status : 500
          res.end(JSON.stringify({ error: (err as Error).message }))
        },
      )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as { port: number }).port
})

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

/** Response bodies in `text`, split by their Content-Length; null until `count` are complete. */
function bodies(text: string, count: number): string[] | null {
  const out: string[] = []
  let rest = text
  while (out.length < count) {
    const end = rest.indexOf('\r\n\r\n')
    if (end === -1) return null
    const length = Number(/content-length: (\d+)/i.exec(rest.slice(0, end))?.[1])
    const body = rest.slice(end + 4, end + 4 + length)
    if (body.length < length) return null
    out.push(body)
    rest = rest.slice(end + 4 + length)
  }
  return out
}

/** Sends raw request parts on one connection, pausing between them; returns `count` response bodies. */
function exchange(parts: string[], count: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let text = ''
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => {
      text += chunk
      const got = bodies(text, count)
      if (got === null) return
      socket.end()
      resolve(got)
    })
    socket.on('error', reject)
    const send = (i: number) => {
      if (i >= parts.length) return
      socket.write(parts[i])
      setTimeout(() => send(i + 1), 30)
    }
    send(0)
  })
}

const head = (length: number) =>
  `POST /x HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`

describe('readJsonBody', () => {
  it('reads a body that came with its headers, twice on one keep-alive connection', async () => {
    const body = '{"a":[1,"two"]}'
    const [first, second] = await exchange([head(body.length) + body + head(body.length) + body], 2)
    expect(JSON.parse(first)).toEqual({ value: { a: [1, 'two'] } })
    expect(JSON.parse(second)).toEqual({ value: { a: [1, 'two'] } })
  })

  it('reads a body that arrives after its headers, in pieces', async () => {
    const body = '{"a":[1,"two"]}'
    const [reply] = await exchange([head(body.length), body.slice(0, 5), body.slice(5)], 1)
    expect(JSON.parse(reply)).toEqual({ value: { a: [1, 'two'] } })
  })

  it('refuses invalid JSON either way', async () => {
    const body = '{"a":'
    const [whole] = await exchange([head(body.length) + body], 1)
    const [late] = await exchange([head(body.length), body], 1)
    expect(JSON.parse(whole).error).toMatch(/not valid JSON/)
    expect(JSON.parse(late).error).toMatch(/not valid JSON/)
  })

  it('refuses a declared length over the limit before reading', async () => {
    const body = `{"pad":"${'x'.repeat(80)}"}`
    const [reply] = await exchange([head(body.length) + body], 1)
    expect(JSON.parse(reply).error).toMatch(/over the limit of 64 bytes/)
  })
})

import { decodeCborMulti } from '@welkin/data'
import { officialLexicons } from '@welkin/lexicon'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { InvalidRequestError, XrpcError } from './errors.js'
import { encodeMessageFrame } from './frames.js'
import { httpRequest, type Running, rawExchange, rawJson, rawStatus, startServer } from './testing.js'

const FRAME = 64 * 1024
let srv: Running
const aborted: string[] = []
let produced = 0
let stopped: () => void = () => {}
let stoppedP = Promise.resolve()

function resetStop(): void {
  stoppedP = new Promise((r) => {
    stopped = r
  })
}

function untilAbort(signal: AbortSignal): Promise<void> {
  return new Promise((r) =>
    signal.aborted ? r() : signal.addEventListener('abort', () => r(), { once: true }),
  )
}

beforeAll(async () => {
  srv = await startServer(
    (x) => {
      x.subscription('com.atproto.sync.subscribeRepos', async function* ({ params }) {
        yield encodeMessageFrame('#info', { name: 'hello', cursor: (params.cursor as number) ?? null })
        yield { t: '#identity', body: { seq: 1, did: 'did:plc:abc' } }
        yield encodeMessageFrame('#account', { seq: 2, active: true })
      })
      // biome-ignore lint/correctness/useYield: a stream that fails before its first frame
      x.subscription('com.atproto.label.subscribeLabels', async function* ({ params }) {
        if (params.cursor === 99) throw new InvalidRequestError('Cursor in the future', 'FutureCursor')
        throw new Error('database exploded')
      })
      x.subscription('com.example.stream.flood', async function* ({ signal }) {
        produced = 0
        try {
          while (!signal.aborted) {
            produced++
            yield new Uint8Array(FRAME)
          }
        } finally {
          aborted.push('flood')
          stopped()
        }
      })
      x.method('com.example.q', () => undefined, { type: 'query' })
    },
    {
      lexicons: officialLexicons(),
      subscriptions: { highWaterBytes: 256 * 1024, maxStallMs: 300, closeGraceMs: 5000 },
    },
  )
})
afterAll(() => srv.close())

interface Received {
  frames: unknown[][]
  code: number
}

function collect(path: string, onOpen?: (ws: WebSocket) => void, port = srv.port): Promise<Received> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`)
    const frames: unknown[][] = []
    ws.on('open', () => onOpen?.(ws))
    ws.on('message', (data: Buffer) => frames.push(decodeCborMulti(new Uint8Array(data))))
    ws.on('close', (code) => resolve({ frames, code }))
    ws.on('error', reject)
  })
}

describe('event streams', () => {
  it('sends frames and message objects, then closes normally', async () => {
    const { frames, code } = await collect('/xrpc/com.atproto.sync.subscribeRepos?cursor=5')
    expect(frames).toEqual([
      [
        { op: 1, t: '#info' },
        { name: 'hello', cursor: 5 },
      ],
      [
        { op: 1, t: '#identity' },
        { seq: 1, did: 'did:plc:abc' },
      ],
      [
        { op: 1, t: '#account' },
        { seq: 2, active: true },
      ],
    ])
    expect(code).toBe(1000)
  })

  it('sends bad params as an error frame, then closes', async () => {
    const { frames, code } = await collect('/xrpc/com.atproto.sync.subscribeRepos?cursor=abc')
    expect(frames).toHaveLength(1)
    expect(frames[0][0]).toEqual({ op: -1 })
    expect(frames[0][1]).toMatchObject({ error: 'InvalidRequest', message: expect.stringMatching(/cursor/) })
    expect(code).toBe(1008)
  })

  it('sends a thrown XrpcError with its own name', async () => {
    const { frames } = await collect('/xrpc/com.atproto.label.subscribeLabels?cursor=99')
    expect(frames).toEqual([[{ op: -1 }, { error: 'FutureCursor', message: 'Cursor in the future' }]])
  })

  it('hides an unexpected failure behind InternalServerError and logs it', async () => {
    const { frames, code } = await collect('/xrpc/com.atproto.label.subscribeLabels')
    expect(frames).toEqual([[{ op: -1 }, { error: 'InternalServerError', message: 'Internal Server Error' }]])
    expect(code).toBe(1011)
    expect(
      srv.logger.errors.some((e) => String((e.details?.err as Error)?.message).includes('exploded')),
    ).toBe(true)
  })

  it('answers HTTP errors where no stream can be opened (event-stream.md, "Connection")', async () => {
    const plain = await httpRequest(srv.port, 'GET', '/xrpc/com.atproto.sync.subscribeRepos')
    expect(plain.status).toBe(426)
    const posted = await httpRequest(srv.port, 'POST', '/xrpc/com.atproto.sync.subscribeRepos')
    expect(posted.status).toBe(405)
    const upgrade = (path: string) =>
      rawExchange(
        srv.port,
        `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
      )
    for (const path of ['/xrpc/com.example.nope', '/xrpc/com.example.q']) {
      const answer = await upgrade(path)
      expect(rawStatus(answer), path).toBe(501)
      expect(rawJson(answer)).toMatchObject({ error: 'MethodNotImplemented' })
    }
    expect(rawStatus(await upgrade('/elsewhere'))).toBe(404)
  })

  it('stops the producer when the client closes', async () => {
    resetStop()
    await new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/xrpc/com.example.stream.flood`)
      ws.once('message', () => ws.close())
      ws.on('close', () => resolve())
      ws.on('error', reject)
    })
    await stoppedP
    expect(aborted).toContain('flood')
  })

  it('closes a consumer that stops reading with ConsumerTooSlow, without unbounded buffering', async () => {
    resetStop()
    let client: WebSocket | undefined
    const received = collect('/xrpc/com.example.stream.flood', (ws) => {
      client = ws
      // Stop reading from the socket: the server's queue fills and the producer stalls.
      ws.pause()
    })
    await stoppedP
    // Whatever the kernel holds plus the 256 KiB high-water mark, never an unbounded queue.
    expect(produced * FRAME).toBeLessThan(64 * 2 ** 20)
    client?.resume()
    const { frames, code } = await received
    expect(frames.at(-1)).toEqual([
      { op: -1 },
      { error: 'ConsumerTooSlow', message: 'Stream consumer too slow' },
    ])
    expect(code).toBe(1008)
  })

  it('cuts a peer that stops answering pings', async () => {
    const pinging = await startServer(
      (x) => {
        // biome-ignore lint/correctness/useYield: a stream that never sends a frame
        x.subscription('com.example.stream.idle', async function* ({ signal }) {
          await untilAbort(signal)
          aborted.push('idle')
          stopped()
        })
      },
      { subscriptions: { pingIntervalMs: 100 } },
    )
    try {
      resetStop()
      const started = Date.now()
      let client: WebSocket | undefined
      const closed = collect(
        '/xrpc/com.example.stream.idle',
        (ws) => {
          client = ws
          ws.pause() // pings go unread, so no pong comes back
        },
        pinging.port,
      )
      await stoppedP
      expect(Date.now() - started).toBeLessThan(3000)
      client?.resume()
      expect((await closed).code).toBe(1006) // terminated, no close handshake
      expect(pinging.xrpc.streamCount).toBe(0)
    } finally {
      await pinging.close()
    }
  })

  it('names XrpcError subclasses correctly in frames', () => {
    expect(new XrpcError(400, 'FutureCursor').toJSON()).toEqual({
      error: 'FutureCursor',
      message: 'Bad Request',
    })
  })
})

import { encodeCbor } from '@welkin/data'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  ConnectionError,
  type FirehoseError,
  FrameError,
  HandlerError,
  InvalidMessageError,
  StreamErrorFrame,
} from '../errors.js'
import { EventFanout } from '../fanout/fanout.js'
import { MemoryEventLog } from '../fanout/memory-event-log.js'
import { encodeErrorFrame, encodeMessageFrame } from '../frame/encode.js'
import { encodeRepoMessage } from '../messages/build.js'
import type { CommitMessage, RepoMessage } from '../messages/types.js'
import { PerDidRunner } from '../runner/per-did-runner.js'
import {
  type CommitChain,
  makeCommitChain,
  sleepMs,
  startFanoutServer,
  startWsServer,
  type TestServer,
  waitFor,
} from '../test-helpers.js'
import { subscribeRepos } from './subscribe-repos.js'

const TIME = '2024-01-01T00:00:00.000Z'
const FAST = { minDelayMs: 10, maxDelayMs: 50 }
const account = (seq: number): Uint8Array =>
  encodeRepoMessage({ t: '#account', body: { seq, did: 'did:plc:consumertest', time: TIME, active: true } })
const seqOf = (e: RepoMessage): number | undefined => (e.t === '#info' ? undefined : e.body.seq)

let chain: CommitChain
beforeAll(async () => {
  chain = await makeCommitChain(40)
})

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

function abortable(): AbortController {
  const ac = new AbortController()
  cleanups.push(() => ac.abort())
  return ac
}

async function serve(start: () => Promise<TestServer>): Promise<TestServer> {
  const s = await start()
  cleanups.push(() => s.close())
  return s
}

describe('subscribeRepos', () => {
  it('receives every event in order across a server restart, resuming from its cursor', async () => {
    const log = new MemoryEventLog()
    let fanout = new EventFanout(log)
    const frames = chain.commits.map((c, i) =>
      encodeRepoMessage({ t: '#commit', body: { ...c, seq: i + 1 } }),
    )
    const publish = (seq: number): void => {
      log.append(seq, frames[seq - 1])
      fanout.publish(seq, frames[seq - 1])
    }
    for (let s = 1; s <= 10; s++) publish(s)
    let server = await startFanoutServer(fanout)
    const port = server.port
    const seen: number[] = []
    const commits: CommitMessage[] = []
    const ac = abortable()
    const sub = subscribeRepos({
      url: server.url,
      signal: ac.signal,
      cursor: () => seen[seen.length - 1] ?? 0,
      reconnect: FAST,
      onEvent: async (evt) => {
        if (evt.t === '#commit') commits.push(evt.body)
        seen.push(seqOf(evt)!)
        await sleepMs(1)
      },
    })
    for (let s = 11; s <= 20; s++) publish(s)
    await waitFor(() => seen.length >= 20, 5000, '20 events')
    await server.close()
    // Events persisted while the server is down are replayed after the restart.
    fanout = new EventFanout(log)
    for (let s = 21; s <= 30; s++) publish(s)
    server = await startFanoutServer(fanout, port)
    cleanups.push(() => server.close())
    await waitFor(() => seen.length >= 30, 5000, 'replayed events')
    for (let s = 31; s <= 40; s++) publish(s)
    await waitFor(() => sub.lastSeq === 40, 5000, 'live events')
    expect(seen).toEqual(Array.from({ length: 40 }, (_, i) => i + 1))
    expect(sub.stats.connects).toBeGreaterThanOrEqual(2)
    expect(sub.stats.duplicates).toBe(0)
    expect(sub.lastSeq).toBe(40)
    expect(commits.map((c) => c.rev)).toEqual(chain.commits.map((c) => c.rev))
    ac.abort()
    expect(await sub.done).toEqual({ reason: 'aborted' })
  })

  it('with a PerDidRunner cursor, skips replayed events it already handed out', async () => {
    const log = new MemoryEventLog()
    const fanout = new EventFanout(log)
    let server = await startFanoutServer(fanout)
    const runner = new PerDidRunner({ concurrency: 4, maxQueued: 8 })
    const handled: number[] = []
    let release!: () => void
    const gate = new Promise<void>((r) => {
      release = r
    })
    const ac = abortable()
    const sub = subscribeRepos({
      url: server.url,
      signal: ac.signal,
      cursor: () => runner.cursor ?? 0,
      reconnect: FAST,
      onEvent: (evt) =>
        runner.add(`did:plc:d${seqOf(evt)! % 3}`, seqOf(evt)!, async () => {
          if (seqOf(evt)! > 45) await gate
          handled.push(seqOf(evt)!)
        }),
    })
    for (let s = 1; s <= 50; s++) {
      log.append(s, account(s))
      fanout.publish(s, account(s))
    }
    // Tasks after 45 are stuck, so the runner's cursor stays at 45 while the consumer has
    // handed out 50 events. The reconnect replays 46-50, and they must be skipped.
    await waitFor(() => sub.lastSeq === 50 && runner.cursor === 45, 5000, 'a stuck runner')
    const port = server.port
    await server.close()
    server = await startFanoutServer(fanout, port)
    cleanups.push(() => server.close())
    await waitFor(() => sub.stats.duplicates === 5, 5000, 'the replay')
    release()
    await waitFor(() => handled.length >= 50, 5000, 'all events handled')
    await runner.idle()
    expect([...handled].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1))
    expect(sub.stats.connects).toBe(2)
    expect(runner.cursor).toBe(50)
  })

  it('pauses the socket when its queue is full and still delivers everything in order', async () => {
    const log = new MemoryEventLog()
    const fanout = new EventFanout(log, { maxBufferFrames: 10_000 })
    const server = await serve(() => startFanoutServer(fanout))
    const seen: number[] = []
    const ac = abortable()
    const sub = subscribeRepos({
      url: server.url,
      signal: ac.signal,
      cursor: () => 0,
      maxQueued: 4,
      onEvent: async (evt) => {
        seen.push(seqOf(evt)!)
        if (seen.length % 20 === 0) await sleepMs(2)
      },
    })
    for (let s = 1; s <= 400; s++) log.append(s, account(s))
    await waitFor(() => seen.length === 400, 10_000, '400 events')
    expect(seen).toEqual(Array.from({ length: 400 }, (_, i) => i + 1))
    expect(sub.stats.pauses).toBeGreaterThan(0)
  })

  it('stops for good on FutureCursor', async () => {
    const fanout = new EventFanout(new MemoryEventLog())
    const server = await serve(() => startFanoutServer(fanout))
    const errors: FirehoseError[] = []
    const sub = subscribeRepos({
      url: server.url,
      signal: abortable().signal,
      cursor: () => 99,
      onEvent: () => {},
      onError: (e) => errors.push(e),
    })
    const end = await sub.done
    expect(end.reason).toBe('fatal')
    const err = (end as { error: unknown }).error as StreamErrorFrame
    expect(err).toBeInstanceOf(StreamErrorFrame)
    expect(err.error).toBe('FutureCursor')
    expect(sub.stats.connects).toBe(1)
  })

  it('reconnects after ConsumerTooSlow and other error frames', async () => {
    const server = await serve(() =>
      startWsServer((ws, _req, i) => {
        if (i === 0) {
          ws.send(account(1))
          ws.send(encodeErrorFrame('ConsumerTooSlow', 'behind'))
          ws.close()
        } else ws.send(account(2))
      }),
    )
    const errors: FirehoseError[] = []
    const seen: number[] = []
    const sub = subscribeRepos({
      url: server.url,
      signal: abortable().signal,
      reconnect: FAST,
      onEvent: (e) => {
        seen.push(seqOf(e)!)
      },
      onError: (e) => errors.push(e),
    })
    await waitFor(() => seen.length === 2, 5000, 'second connection')
    expect(seen).toEqual([1, 2])
    expect(errors[0]).toBeInstanceOf(StreamErrorFrame)
    expect((errors[0] as StreamErrorFrame).error).toBe('ConsumerTooSlow')
    expect(sub.stats.errorFrames).toBe(1)
  })

  it('skips unknown ops and types, reports bad messages, and drops the connection on garbage', async () => {
    const server = await serve(() =>
      startWsServer((ws, _req, i) => {
        if (i === 0) {
          ws.send(Buffer.concat([encodeCbor({ op: 2 }), encodeCbor({})]))
          ws.send(encodeMessageFrame('#labels', { seq: 1 }))
          ws.send(encodeMessageFrame('#identity', { seq: 1, did: 'nope', time: TIME }))
          ws.send(account(3))
          ws.send(new Uint8Array([0xa1, 0x00]))
          ws.send(account(4)) // after the garbage: dropped with the connection
        } else if (i === 1) {
          ws.send('a text frame')
        } else {
          ws.send(account(4))
        }
      }),
    )
    const errors: FirehoseError[] = []
    const seen: number[] = []
    const sub = subscribeRepos({
      url: server.url,
      signal: abortable().signal,
      reconnect: FAST,
      onEvent: (e) => {
        seen.push(seqOf(e)!)
      },
      onError: (e) => errors.push(e),
    })
    await waitFor(() => seen.length === 2, 5000, 'events after garbage')
    expect(seen).toEqual([3, 4])
    expect(sub.stats).toMatchObject({ skipped: 2, invalid: 3, connects: 3 })
    expect(errors[0]).toBeInstanceOf(InvalidMessageError)
    expect(errors[1]).toBeInstanceOf(FrameError)
    expect(errors.find((e) => e instanceof FrameError && e.reason === 'not-binary')).toBeDefined()
  })

  it('reports handler failures and carries on', async () => {
    const server = await serve(() =>
      startWsServer((ws) => {
        for (let s = 1; s <= 3; s++) ws.send(account(s))
      }),
    )
    const errors: FirehoseError[] = []
    const seen: number[] = []
    subscribeRepos({
      url: server.url,
      signal: abortable().signal,
      onEvent: (e) => {
        seen.push(seqOf(e)!)
        if (seqOf(e) === 2) throw new Error('handler bug')
      },
      onError: (e) => errors.push(e),
    })
    await waitFor(() => seen.length === 3, 5000)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toBeInstanceOf(HandlerError)
    expect((errors[0] as HandlerError).seq).toBe(2)
  })

  it('drops a connection whose frame is over maxFrameBytes', async () => {
    const server = await serve(() =>
      startWsServer((ws, _req, i) => {
        ws.send(i === 0 ? encodeMessageFrame('#x', { pad: new Uint8Array(5000) }) : account(1))
      }),
    )
    const errors: FirehoseError[] = []
    const seen: number[] = []
    subscribeRepos({
      url: server.url,
      signal: abortable().signal,
      maxFrameBytes: 1000,
      reconnect: FAST,
      onEvent: (e) => {
        seen.push(seqOf(e)!)
      },
      onError: (e) => errors.push(e),
    })
    await waitFor(() => seen.length === 1, 5000)
    expect(errors[0]).toBeInstanceOf(ConnectionError)
    expect(errors[0].message).toMatch(/exceeded 1000 bytes/)
  })

  it('treats HTTP 501 as final and retries other statuses with backoff', async () => {
    const notImplemented = await serve(() => startWsServer(() => {}, 0, 501))
    const end = await subscribeRepos({
      url: notImplemented.url,
      signal: abortable().signal,
      onEvent: () => {},
    }).done
    expect(end.reason).toBe('fatal')
    expect(((end as { error: unknown }).error as ConnectionError).status).toBe(501)

    const unavailable = await serve(() => startWsServer(() => {}, 0, 503))
    const errors: FirehoseError[] = []
    const ac = abortable()
    const sub = subscribeRepos({
      url: unavailable.url,
      signal: ac.signal,
      reconnect: FAST,
      onEvent: () => {},
      onError: (e) => errors.push(e),
    })
    await waitFor(() => sub.stats.connects >= 3, 5000, 'retries')
    ac.abort()
    expect(await sub.done).toEqual({ reason: 'aborted' })
    expect((errors[0] as ConnectionError).status).toBe(503)
  })

  it('drops a peer that stops answering pings', async () => {
    const server = await serve(() =>
      startWsServer((ws, _req, i) => {
        if (i === 0) ws.pause()
        else ws.send(account(1))
      }),
    )
    const errors: FirehoseError[] = []
    const seen: number[] = []
    subscribeRepos({
      url: server.url,
      signal: abortable().signal,
      heartbeatMs: 100,
      reconnect: FAST,
      onEvent: (e) => {
        seen.push(seqOf(e)!)
      },
      onError: (e) => errors.push(e),
    })
    await waitFor(() => seen.length === 1, 5000, 'second connection')
    expect(errors[0].message).toMatch(/no data/)
  })

  it('refuses non-WebSocket URLs', () => {
    const signal = abortable().signal
    expect(() => subscribeRepos({ url: 'https://example.com', signal, onEvent: () => {} })).toThrow(
      /ws: or wss:/,
    )
    expect(() => subscribeRepos({ url: 'not a url', signal, onEvent: () => {} })).toThrow(/not a URL/)
  })
})

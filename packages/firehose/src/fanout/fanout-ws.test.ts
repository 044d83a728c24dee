import { once } from 'node:events'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { subscribeRepos } from '../consumer/subscribe-repos.js'
import { decodeFrame } from '../frame/decode.js'
import { encodeMessageFrame } from '../frame/encode.js'
import { isErrorFrame, type MessageFrame } from '../frame/types.js'
import { startFanoutServer, type TestServer, waitFor } from '../test-helpers.js'
import { EventFanout } from './fanout.js'
import { MemoryEventLog } from './memory-event-log.js'
import type { FanoutSubscription } from './subscription.js'

const PAD = 'x'.repeat(8000)
const frame = (seq: number): Uint8Array =>
  encodeMessageFrame('#account', {
    seq,
    did: 'did:plc:wstest',
    time: '2024-01-01T00:00:00Z',
    active: true,
    pad: PAD,
  })

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

interface Setup {
  log: MemoryEventLog
  fanout: EventFanout
  server: TestServer
  subs: FanoutSubscription[]
  sockets: WebSocket[]
}

async function setup(closeTimeoutMs: number): Promise<Setup> {
  const log = new MemoryEventLog({ maxEvents: 10_000 })
  const fanout = new EventFanout(log, { maxBufferFrames: 200 })
  const subs: FanoutSubscription[] = []
  const sockets: WebSocket[] = []
  const server = await startFanoutServer(
    fanout,
    0,
    { maxInflightBytes: 64 * 1024, closeTimeoutMs },
    (s, ws) => {
      subs.push(s)
      sockets.push(ws)
    },
  )
  cleanups.push(() => server.close())
  return { log, fanout, server, subs, sockets }
}

/** A raw client that stops reading as soon as it is connected. */
async function stalledClient(
  url: string,
): Promise<{ ws: WebSocket; frames: Uint8Array[]; closed: Promise<unknown> }> {
  const ws = new WebSocket(url, { perMessageDeflate: false })
  const frames: Uint8Array[] = []
  ws.on('message', (d) => frames.push(d as Buffer))
  const closed = once(ws, 'close')
  await once(ws, 'open')
  ws.pause()
  cleanups.push(() => ws.terminate())
  return { ws, frames, closed }
}

describe('fan-out over WebSockets', () => {
  it('cuts off a stalled subscriber with ConsumerTooSlow while fast ones get every frame', async () => {
    const { log, fanout, server, subs } = await setup(10_000)
    const ac = new AbortController()
    cleanups.push(() => ac.abort())
    const fast = Array.from({ length: 3 }, () => {
      const seen: number[] = []
      const sub = subscribeRepos({
        url: server.url,
        signal: ac.signal,
        onEvent: (e) => {
          if (e.t === '#account') seen.push(e.body.seq)
        },
      })
      return { seen, sub }
    })
    const slow = await stalledClient(server.url)
    await waitFor(() => fanout.subscriberCount === 4, 5000, 'four subscribers')
    const slowSub = subs[subs.length - 1]
    let maxQueued = 0
    const total = 3000
    for (let seq = 1; seq <= total; seq++) {
      const f = frame(seq)
      log.append(seq, f)
      fanout.publish(seq, f)
      for (const s of subs) maxQueued = Math.max(maxQueued, s.queued.frames)
      if (seq % 25 === 0) await new Promise((r) => setImmediate(r))
    }
    await waitFor(() => fast.every((f) => f.seen.length === total), 20_000, 'fast subscribers')
    for (const f of fast) {
      expect(f.seen).toEqual(Array.from({ length: total }, (_, i) => i + 1))
      expect(f.sub.stats.errorFrames).toBe(0)
    }
    expect(slowSub.reason).toBe('ConsumerTooSlow')
    expect(maxQueued).toBeLessThanOrEqual(200)

    slow.ws.resume()
    const [code] = (await slow.closed) as [number]
    expect(code).toBe(1000)
    const decoded = slow.frames.map((f) => decodeFrame(f))
    const last = decoded.pop()!
    expect(isErrorFrame(last) && last.body.error).toBe('ConsumerTooSlow')
    // What it did get is a gap-free prefix of the stream.
    expect(decoded.map((d) => (d as MessageFrame).body.seq)).toEqual(
      Array.from({ length: decoded.length }, (_, i) => i + 1),
    )
    expect(decoded.length).toBeLessThan(total)
  })

  it('terminates a subscriber that never reads its error frame', async () => {
    const { log, fanout, server, subs, sockets } = await setup(200)
    await stalledClient(server.url)
    await waitFor(() => fanout.subscriberCount === 1, 5000)
    // The client's paused socket would not notice a reset, so watch the server's end.
    const serverClosed = once(sockets[0], 'close')
    for (let seq = 1; seq <= 1500 && !subs[0].reason; seq++) {
      const f = frame(seq)
      log.append(seq, f)
      fanout.publish(seq, f)
      if (seq % 50 === 0) await new Promise((r) => setImmediate(r))
    }
    expect(subs[0].reason).toBe('ConsumerTooSlow')
    const cutAt = Date.now()
    const [code] = (await serverClosed) as [number]
    expect(code).toBe(1006)
    expect(Date.now() - cutAt).toBeGreaterThanOrEqual(150)
    expect(fanout.subscriberCount).toBe(0)
  })

  it('closes the socket with 1001 when the fan-out shuts down', async () => {
    const { fanout, server } = await setup(1000)
    const ws = new WebSocket(server.url)
    cleanups.push(() => ws.terminate())
    await once(ws, 'open')
    await waitFor(() => fanout.subscriberCount === 1, 5000)
    fanout.close()
    const [code] = (await once(ws, 'close')) as [number]
    expect(code).toBe(1001)
  })
})

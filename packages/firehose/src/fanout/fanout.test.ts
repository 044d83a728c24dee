import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { FanoutError } from '../errors.js'
import { decodeFrame } from '../frame/decode.js'
import { encodeMessageFrame } from '../frame/encode.js'
import { isErrorFrame } from '../frame/types.js'
import { waitFor } from '../test-helpers.js'
import type { EventLog, LoggedEvent } from './event-log.js'
import { EventFanout } from './fanout.js'
import { MemoryEventLog } from './memory-event-log.js'
import type { FanoutSubscription } from './subscription.js'

const TIME = '2024-01-01T00:00:00.000Z'
const eventFrame = (seq: number): Uint8Array =>
  encodeMessageFrame('#account', { seq, did: 'did:plc:fanouttest', time: TIME, active: true })

/** What a frame is: its seq, `info:<name>` or `error:<name>`. */
function describeFrame(bytes: Uint8Array): number | string {
  const f = decodeFrame(bytes)
  if (isErrorFrame(f)) return `error:${f.body.error}`
  if (f.header.t === '#info') return `info:${f.body.name}`
  return f.body.seq as number
}

async function collect(
  sub: FanoutSubscription,
  max = Number.POSITIVE_INFINITY,
): Promise<(number | string)[]> {
  const out: (number | string)[] = []
  for await (const f of sub) {
    out.push(describeFrame(f))
    if (out.length >= max) break
  }
  return out
}

function setup(seqs: number[], opts: ConstructorParameters<typeof MemoryEventLog>[0] = {}) {
  const log = new MemoryEventLog(opts)
  const fanout = new EventFanout(log, { replayBatch: 4 })
  const publish = (seq: number): void => {
    const f = eventFrame(seq)
    log.append(seq, f)
    fanout.publish(seq, f)
  }
  for (const s of seqs) publish(s)
  return { log, fanout, publish }
}

const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, i) => a + i)

describe('EventFanout cursor rules (event-stream.md "Sequence Numbers")', () => {
  it('replays after the cursor, then continues live', async () => {
    const { fanout, publish } = setup(range(1, 10))
    const sub = fanout.subscribe({ cursor: 3 })
    const got = collect(sub, 12)
    await new Promise((r) => setImmediate(r))
    publish(11)
    publish(12)
    publish(13)
    publish(14)
    publish(15)
    expect(await got).toEqual(range(4, 15))
  })

  it('with no cursor, starts at the current position', async () => {
    const { fanout, publish } = setup(range(1, 5))
    const sub = fanout.subscribe()
    publish(6)
    publish(7)
    expect(await collect(sub, 2)).toEqual([6, 7])
  })

  it('with cursor 0, sends the whole window without an OutdatedCursor', async () => {
    const { fanout } = setup(range(1, 50), { maxEvents: 10 })
    expect(await collect(fanout.subscribe({ cursor: 0 }), 10)).toEqual(range(41, 50))
  })

  it('sends OutdatedCursor first for a cursor older than the window, then the window', async () => {
    const { fanout } = setup(range(1, 50), { maxEvents: 10 })
    expect(await collect(fanout.subscribe({ cursor: 5 }), 11)).toEqual([
      'info:OutdatedCursor',
      ...range(41, 50),
    ])
    expect(await collect(fanout.subscribe({ cursor: 39 }), 11)).toEqual([
      'info:OutdatedCursor',
      ...range(41, 50),
    ])
    expect(await collect(fanout.subscribe({ cursor: 40 }), 10)).toEqual(range(41, 50))
  })

  it('judges an outdated cursor exactly with prunedThrough, and from oldest() without it', async () => {
    const { log, fanout } = setup([10, 20, 30, 40], { maxEvents: 2 })
    expect(log.prunedThrough()).toBe(20)
    expect(await collect(fanout.subscribe({ cursor: 20 }), 2)).toEqual([30, 40])
    expect(await collect(fanout.subscribe({ cursor: 15 }), 3)).toEqual(['info:OutdatedCursor', 30, 40])
    const coarse: EventLog = {
      head: () => log.head(),
      oldest: () => log.oldest(),
      read: (a, n) => log.read(a, n),
    }
    const fromOldest = new EventFanout(coarse)
    expect(await collect(fromOldest.subscribe({ cursor: 29 }), 2)).toEqual([30, 40])
    expect(await collect(fromOldest.subscribe({ cursor: 20 }), 3)).toEqual(['info:OutdatedCursor', 30, 40])
  })

  it('cuts off a replay that falls behind the retention window instead of skipping events', async () => {
    const { log, fanout, publish } = setup(range(1, 20), { maxEvents: 20 })
    const sub = fanout.subscribe({ cursor: 0 })
    const got: (number | string)[] = []
    let next = 21
    for await (const f of sub) {
      got.push(describeFrame(f))
      // Each frame read lets 10 more events in: the window slides past the reader.
      for (let i = 0; i < 10; i++) publish(next++)
      await new Promise((r) => setImmediate(r))
    }
    expect(got[got.length - 1]).toBe('error:ConsumerTooSlow')
    const seqs = got.slice(0, -1) as number[]
    expect(seqs).toEqual(range(1, seqs.length))
    expect(log.prunedThrough()).toBeGreaterThan(seqs[seqs.length - 1] ?? 0)
  })

  it('answers a cursor in the future with FutureCursor and ends the stream', async () => {
    const { fanout } = setup(range(1, 5))
    expect(await collect(fanout.subscribe({ cursor: 6 }))).toEqual(['error:FutureCursor'])
    expect(await collect(setup([]).fanout.subscribe({ cursor: 1 }))).toEqual(['error:FutureCursor'])
    expect(fanout.subscriberCount).toBe(0)
  })

  it('at the head, waits for live events', async () => {
    const { fanout, publish } = setup(range(1, 5))
    const got = collect(fanout.subscribe({ cursor: 5 }), 1)
    await new Promise((r) => setTimeout(r, 5))
    publish(6)
    expect(await got).toEqual([6])
  })

  it('rejects bad cursors and out-of-order publishes', () => {
    const { fanout } = setup(range(1, 3))
    expect(() => fanout.subscribe({ cursor: -1 })).toThrow(FanoutError)
    expect(() => fanout.subscribe({ cursor: 1.5 })).toThrow(FanoutError)
    expect(() => fanout.publish(3, eventFrame(3))).toThrow(/published after 3/)
  })
})

describe('EventFanout subscribers', () => {
  it('cuts off a subscriber that does not read with ConsumerTooSlow, and only it', async () => {
    const log = new MemoryEventLog({ maxEvents: 100 })
    const fanout = new EventFanout(log, { maxBufferFrames: 50 })
    const slow = fanout.subscribe()
    const fast = fanout.subscribe()
    const fastGot = collect(fast, 2000)
    let maxQueued = 0
    for (let seq = 1; seq <= 2000; seq++) {
      const f = eventFrame(seq)
      log.append(seq, f)
      fanout.publish(seq, f)
      maxQueued = Math.max(maxQueued, slow.queued.frames)
      if (seq % 10 === 0) await new Promise((r) => setImmediate(r))
    }
    expect(await fastGot).toEqual(range(1, 2000))
    expect(maxQueued).toBeLessThanOrEqual(50)
    expect(await collect(slow)).toEqual(['error:ConsumerTooSlow'])
    expect(slow.reason).toBe('ConsumerTooSlow')
    expect(fanout.subscriberCount).toBe(0)
  })

  it('bounds queued bytes as well as frames', async () => {
    const log = new MemoryEventLog()
    const fanout = new EventFanout(log, { maxBufferFrames: 1000, maxBufferBytes: 10_000 })
    const sub = fanout.subscribe()
    const big = encodeMessageFrame('#account', {
      seq: 1,
      did: 'did:plc:x',
      time: TIME,
      active: true,
      pad: 'x'.repeat(3000),
    })
    for (let seq = 1; seq <= 4; seq++) {
      log.append(seq, big)
      fanout.publish(seq, big)
    }
    expect(await collect(sub)).toEqual(['error:ConsumerTooSlow'])
  })

  it('paces a replay to the reader instead of cutting it off', async () => {
    const { fanout } = setup(range(1, 500))
    const small = new EventFanout(fanout.log, { maxBufferFrames: 8, replayBatch: 3 })
    const sub = small.subscribe({ cursor: 0 })
    const got: (number | string)[] = []
    for await (const f of sub) {
      got.push(describeFrame(f))
      expect(sub.queued.frames).toBeLessThanOrEqual(8)
      if (got.length === 500) break
    }
    expect(got).toEqual(range(1, 500))
  })

  it('ends on abort and on close, and fails the iterator when the log fails', async () => {
    const { fanout, publish } = setup(range(1, 3))
    const ac = new AbortController()
    const sub = fanout.subscribe({ signal: ac.signal })
    ac.abort()
    expect(await collect(sub)).toEqual([])
    const other = fanout.subscribe({ cursor: 3 })
    await new Promise((r) => setImmediate(r))
    publish(4)
    fanout.close()
    expect(await collect(other)).toEqual([4])
    expect(() => fanout.subscribe()).toThrow(FanoutError)

    const broken: EventLog = {
      head: () => 5,
      oldest: () => 1,
      read: () => Promise.reject(new Error('disk gone')),
    }
    const failing = new EventFanout(broken).subscribe({ cursor: 1 })
    await expect(collect(failing)).rejects.toThrow(FanoutError)
  })

  it('limits the number of subscribers', () => {
    const fanout = new EventFanout(new MemoryEventLog(), { maxSubscribers: 1 })
    fanout.subscribe()
    expect(() => fanout.subscribe()).toThrow(/at most 1/)
  })
})

/** A log whose reads and appends take random turns, to shake out replay/live races. */
class JitteryLog implements EventLog {
  readonly inner = new MemoryEventLog()
  constructor(private readonly rand: () => number) {}
  head() {
    return this.inner.head()
  }
  oldest() {
    return this.inner.oldest()
  }
  async read(after: number, limit: number): Promise<LoggedEvent[]> {
    await jitter(this.rand)
    const out = this.inner.read(after, limit)
    await jitter(this.rand)
    return out
  }
}

async function jitter(rand: () => number): Promise<void> {
  const r = rand()
  if (r < 0.3) return
  if (r < 0.7) await Promise.resolve()
  else await new Promise((res) => setImmediate(res))
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

describe('EventFanout replay → live switch', () => {
  it('delivers every event after the cursor exactly once, in order, under concurrent publishing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer(),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 1, max: 80 }),
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.integer({ min: 0, max: 120 }), { minLength: 1, maxLength: 5 }),
        async (seed, before, during, batch, startPoints) => {
          const rand = mulberry32(seed)
          const log = new JitteryLog(rand)
          const fanout = new EventFanout(log, { replayBatch: batch, maxBufferFrames: 10_000 })
          const all: number[] = []
          let seq = 0
          const produce = async (): Promise<void> => {
            seq += 1 + Math.floor(rand() * 3)
            const f = eventFrame(seq)
            log.inner.append(seq, f)
            await jitter(rand) // persisted but not yet published: the classic race
            all.push(seq)
            fanout.publish(seq, f)
          }
          for (let i = 0; i < before; i++) await produce()
          const readers: { cursor: number; sub: FanoutSubscription; got: number[]; done: Promise<void> }[] =
            []
          const startAt = new Set(startPoints.map((p) => p % (during + 1)))
          for (let i = 0; i <= during; i++) {
            if (startAt.has(i)) {
              const cursor = all.length === 0 || rand() < 0.2 ? 0 : all[Math.floor(rand() * all.length)]
              const sub = fanout.subscribe({ cursor })
              const got: number[] = []
              const done = (async () => {
                for await (const f of sub) {
                  got.push(describeFrame(f) as number)
                  await jitter(rand)
                }
              })()
              readers.push({ cursor, sub, got, done })
            }
            if (i < during) await produce()
          }
          // A replay may hand out a persisted event before it is published, so wait for the
          // last seq rather than counting publishes.
          const last = all[all.length - 1] ?? 0
          for (const r of readers) {
            const expected = all.filter((s) => s > r.cursor)
            await waitFor(
              () => (r.got[r.got.length - 1] ?? r.cursor) >= last,
              2000,
              `reader from ${r.cursor}`,
            )
            r.sub.close()
            await r.done
            expect(r.got).toEqual(expected)
          }
          expect(fanout.subscriberCount).toBe(0)
        },
      ),
      { numRuns: 150 },
    )
  })
})

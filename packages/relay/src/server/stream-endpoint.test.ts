// subscribeRepos on a running relay (event-stream.md "Sequence Numbers", "Error Handling"): a
// cursor older than the replay window gets `#info OutdatedCursor` then the replay from the
// oldest retained event; a cursor ahead of the stream gets a FutureCursor error frame and the
// close; a subscriber that stops reading is cut with ConsumerTooSlow while another subscriber
// receives every event. Real relay, real PLC, a fake PDS with real signed commits, raw
// WebSocket clients decoding every frame.
import { decodeFrame, type Frame } from '@welkin/firehose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { useTestPlc } from '../../../../test/support/plc.js'
import type { Relay } from '../relay.js'
import { FakePds } from '../testing/fake-pds.js'
import { requestCrawl, startTestRelay, tempDir } from '../testing/harness.js'
import { nextTestTid } from '../testing/repo-writer.js'
import { readStream, waitUntil } from '../testing/stream-reader.js'

const plc = useTestPlc()

let pds: FakePds
let relay: Relay
let data: ReturnType<typeof tempDir>

beforeAll(async () => {
  pds = await FakePds.start(plc.url)
  data = tempDir()
  // Small segments, so a few commits seal several and retention has whole segments to drop;
  // a short subscriber queue, so a stalled subscriber is cut after a few big frames.
  relay = await startTestRelay(plc.url, data.path, { segmentBytes: 4096, subscriberBufferFrames: 20 })
})

afterAll(async () => {
  await relay?.close()
  await pds?.close()
  data?.remove()
})

interface RawClient {
  frames: Frame[]
  ws: WebSocket
  closed: Promise<number>
}

/** A subscriber that decodes every frame; `paused` stops reading from the socket at once. */
function connect(cursor: number | undefined, opts: { paused?: boolean } = {}): RawClient {
  const q = cursor === undefined ? '' : `?cursor=${cursor}`
  const ws = new WebSocket(`${relay.url.replace(/^http/, 'ws')}/xrpc/com.atproto.sync.subscribeRepos${q}`)
  const frames: Frame[] = []
  ws.on('message', (d: Buffer) => frames.push(decodeFrame(new Uint8Array(d))))
  if (opts.paused) ws.on('open', () => ws.pause())
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)))
  ws.on('error', () => {})
  return { frames, ws, closed }
}

const seqOf = (f: Frame) => (f.body as { seq?: number }).seq

describe('relay subscribeRepos cursors', () => {
  it('tells a cursor older than the window OutdatedCursor, then replays from the oldest retained event', async () => {
    const a = await pds.createAccount()
    for (let i = 0; i < 12; i++) await pds.commit(a)
    await requestCrawl(relay, pds.url)
    await waitUntil(() => relay.ctx.state.get(a.did)?.rev === a.repo.head!.commit.rev, 15_000, 'ingest')
    relay.flush()
    // Retention as it would run three days on: every sealed segment goes.
    expect(relay.log.prune(Date.now() + 100 * 3_600_000)).toBeGreaterThan(0)
    const pruned = relay.log.prunedThrough()!
    const head = relay.ctx.sequencer.head
    expect(pruned).toBeGreaterThan(1)
    expect(pruned).toBeLessThan(head)

    const client = connect(1)
    await waitUntil(() => client.frames.length === 1 + head - pruned, 10_000, 'replay after the notice')
    const [info, ...events] = client.frames
    expect(info.header).toEqual({ op: 1, t: '#info' })
    expect((info.body as { name?: string }).name).toBe('OutdatedCursor')
    expect(events.map(seqOf)).toEqual(Array.from({ length: head - pruned }, (_, i) => pruned + 1 + i))
    // Live events follow the replay.
    await pds.commit(a)
    await waitUntil(() => client.frames.length === 2 + head - pruned, 10_000, 'live after replay')
    expect(seqOf(client.frames.at(-1)!)).toBe(head + 1)
    client.ws.close()
    await client.closed

    // A cursor inside the window gets no notice.
    const inside = connect(pruned + 1)
    await waitUntil(() => inside.frames.length === head - pruned, 10_000, 'replay inside the window')
    expect(inside.frames.every((f) => f.header.op === 1 && f.header.t === '#commit')).toBe(true)
    inside.ws.close()
    await inside.closed
  })

  it('answers a cursor ahead of the stream with a FutureCursor error frame and closes', async () => {
    const client = connect(relay.ctx.sequencer.head + 1000)
    await client.closed
    expect(client.frames).toHaveLength(1)
    expect(client.frames[0].header).toEqual({ op: -1 })
    expect(client.frames[0].body.error).toBe('FutureCursor')
  })

  it('cuts a subscriber that stops reading with ConsumerTooSlow; another receives every event', async () => {
    const a = [...pds.accounts.values()][0]
    const reader = readStream(relay.url)
    const stalled = connect(undefined, { paused: true })
    await waitUntil(() => relay.fanout.subscriberCount === 2, 10_000, 'both subscribers attached')
    const start = relay.ctx.sequencer.head
    // Half-megabyte records: socket buffers fill after a few dozen, then the relay's queue.
    let sent = 0
    for (let round = 0; round < 40 && relay.fanout.subscriberCount === 2; round++) {
      for (let i = 0; i < 5; i++, sent++) {
        await pds.commit(a, [
          {
            action: 'create',
            collection: 'com.example.big',
            rkey: nextTestTid(),
            record: { $type: 'com.example.big', n: sent, text: 'x'.repeat(500_000) },
          },
        ])
      }
      await waitUntil(() => relay.ctx.sequencer.head === start + sent, 15_000, 'commits sequenced')
    }
    await waitUntil(() => relay.fanout.subscriberCount === 1, 15_000, 'the stalled subscriber cut')
    await reader.until(
      (m) => m.filter((x) => x.t === '#commit').length === sent,
      20_000,
      'every commit at the reading subscriber',
    )
    const seqs = reader.messages.map((m) => (m.body as { seq: number }).seq)
    expect(seqs).toEqual(Array.from({ length: sent }, (_, i) => start + 1 + i))
    await reader.stop()

    // Read what the stalled one was sent: a prefix of the stream, then the error frame.
    stalled.ws.resume()
    await stalled.closed
    const last = stalled.frames.at(-1)!
    expect(last.header).toEqual({ op: -1 })
    expect(last.body.error).toBe('ConsumerTooSlow')
    const got = stalled.frames.slice(0, -1).map(seqOf)
    expect(got.length).toBeLessThan(sent)
    expect(got).toEqual(Array.from({ length: got.length }, (_, i) => start + 1 + i))
  }, 90_000)
})

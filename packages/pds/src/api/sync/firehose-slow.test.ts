// A subscriber that stops reading is cut off with ConsumerTooSlow once its bounded buffers are
// full, while a subscriber that keeps up gets every event (event-stream.md "Sequence Numbers").
import { once } from 'node:events'
import { decodeFrame, isErrorFrame, type RepoMessage, subscribeRepos } from '@welkin/firehose'
import { openPlcStore, PlcDirectory, type PlcServer, startPlcServer } from '@welkin/plc'
import { nextTid } from '@welkin/syntax'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { type Harness, startHarness, type TestAccount } from '../repo/harness.js'

const COMMITS = 80
const BIG_TEXT = 'z'.repeat(150_000)

let plc: PlcServer
let h: Harness
let kai: TestAccount

beforeAll(async () => {
  plc = await startPlcServer(new PlcDirectory(await openPlcStore({})), { port: 0 })
  h = await startHarness(
    plc.url,
    { maxSubscriptionBuffer: 16 },
    // The socket's own stall timer is set far out, so the cut-off seen here is the PDS's bounded
    // per-subscriber buffer (PDS_MAX_SUBSCRIPTION_BUFFER frames).
    { xrpc: { subscriptions: { highWaterBytes: 64 * 1024, maxStallMs: 120_000, closeGraceMs: 15_000 } } },
  )
  kai = await h.account('kai')
})

afterAll(async () => {
  await h?.close()
  await plc?.close()
})

async function until(cond: () => boolean, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('subscribeRepos backpressure', () => {
  it('cuts off a stalled consumer with ConsumerTooSlow and keeps serving the others', async () => {
    const url = `${h.url.replace(/^http/, 'ws')}/xrpc/com.atproto.sync.subscribeRepos`
    const start = h.pds.ctx.store.events.head()!
    const stalled = new WebSocket(`${url}?cursor=${start}`, { perMessageDeflate: false })
    const frames: Uint8Array[] = []
    stalled.on('message', (d) => frames.push(d as Buffer))
    const closed = once(stalled, 'close')
    await once(stalled, 'open')
    stalled.pause()

    const ac = new AbortController()
    const healthy: RepoMessage[] = []
    let healthySeq = start
    subscribeRepos({
      url,
      cursor: () => healthySeq,
      signal: ac.signal,
      onEvent: (e) => {
        healthy.push(e)
        if (e.t !== '#info') healthySeq = e.body.seq
      },
    })
    const createdAt = new Date().toISOString()
    for (let i = 0; i < COMMITS; i++) {
      await h.pds.ctx.store.writer.applyWrites(kai.did, [
        {
          action: 'create',
          collection: 'app.bsky.feed.post',
          rkey: nextTid(),
          record: { $type: 'app.bsky.feed.post', text: BIG_TEXT.slice(i), createdAt },
        },
      ])
    }
    const last = h.pds.ctx.store.events.head()!
    await until(() => healthySeq >= last, 'the healthy consumer')
    ac.abort()
    expect(healthy.map((e) => (e.t === '#info' ? 0 : e.body.seq))).toEqual(
      Array.from({ length: last - start }, (_, i) => start + 1 + i),
    )
    stalled.resume()
    await closed
    const decoded = frames.map((f) => decodeFrame(f))
    const end = decoded.pop()!
    expect(isErrorFrame(end) && end.body.error).toBe('ConsumerTooSlow')
    // What it did get is a gap-free prefix, far short of the whole burst.
    const seqs = decoded.map((f) => (f.body as { seq: number }).seq)
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => start + 1 + i))
    expect(seqs.length).toBeLessThan(COMMITS)
  })
})

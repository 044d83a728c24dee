// The relay's upkeep pass (what its timer runs every minute): event-log retention with the
// configured replay window (RELAY_REPLAY_WINDOW_HOURS reaches the log: a cursor before what it
// dropped is told OutdatedCursor), and compaction of the archive accounts that updates and
// deletes queued — by a direct call of the pass, and by the timer itself on a short interval.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { readCar } from '@welkin/data'
import { decodeFrame, type Frame } from '@welkin/firehose'
import { verifyRepoCar } from '@welkin/repo'
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { useTestPlc } from '../../../test/support/plc.js'
import type { Relay } from './relay.js'
import { type FakeAccount, FakePds } from './testing/fake-pds.js'
import { requestCrawl, startTestRelay, tempDir } from './testing/harness.js'
import { waitUntil } from './testing/stream-reader.js'

const plc = useTestPlc()

const HOUR = 3_600_000

/** Runs `fn` against a fresh fake PDS and archival relay, then closes both. */
async function withRelay(
  opts: { upkeepIntervalMs?: number },
  fn: (relay: Relay, pds: FakePds) => Promise<void>,
): Promise<void> {
  const pds = await FakePds.start(plc.url)
  const data = tempDir()
  const relay = await startTestRelay(
    plc.url,
    data.path,
    // A one-hour window; small segments, so a few commits seal some that retention can drop.
    { archive: true, replayWindowMs: HOUR, segmentBytes: 4096 },
    // Queued for compaction once a fifth of an account's blocks (and 5) are garbage: how many
    // blocks a few commits leave depends on the MST's random shape, so the default half would
    // make the test flaky.
    { compaction: { minGarbage: 5, ratio: 0.2 }, upkeepIntervalMs: opts.upkeepIntervalMs },
  )
  try {
    await requestCrawl(relay, pds.url)
    await fn(relay, pds)
  } finally {
    await relay.close()
    await pds.close()
    data.remove()
  }
}

/** An archived account with a few posts, then `deletes` of them: garbage for compaction. */
async function accountWithGarbage(relay: Relay, pds: FakePds, deletes: number): Promise<FakeAccount> {
  const a = await pds.createAccount()
  for (let i = 0; i < deletes + 2; i++) await pds.commit(a)
  await waitUntil(() => relay.ctx.archive!.repo(a.did)?.rev === a.repo.head!.commit.rev, 15_000, 'archived')
  for (let i = 0; i < deletes; i++) {
    const [collection, rkey] = a.repo.rkeys[0].split('/')
    await pds.commit(a, [{ action: 'delete', collection, rkey }])
  }
  await waitUntil(() => relay.ctx.archive!.repo(a.did)?.rev === a.repo.head!.commit.rev, 15_000, 'deletes')
  return a
}

function shardPath(relay: Relay, did: string): string {
  const archive = relay.ctx.archive!
  return join(archive.files.dir, archive.index.repo(did)!.file)
}

async function firstFrame(relay: Relay, cursor: number): Promise<Frame> {
  const ws = new WebSocket(
    `${relay.url.replace(/^http/, 'ws')}/xrpc/com.atproto.sync.subscribeRepos?cursor=${cursor}`,
  )
  try {
    return await new Promise<Frame>((resolve, reject) => {
      ws.once('message', (d: Buffer) => resolve(decodeFrame(new Uint8Array(d))))
      ws.once('error', reject)
    })
  } finally {
    ws.terminate()
  }
}

describe('relay upkeep', () => {
  it('one pass drops segments older than the configured window and compacts queued accounts', async () => {
    await withRelay({}, async (relay, pds) => {
      const a = await accountWithGarbage(relay, pds, 4)
      relay.flush()
      const archive = relay.ctx.archive!
      const before = archive.repo(a.did)!.blocks
      const oldShard = shardPath(relay, a.did)
      expect(existsSync(oldShard)).toBe(true)
      const head = relay.ctx.sequencer.head

      // Half an hour on, everything is inside the one-hour window (and nothing is compacted
      // twice: the queue is emptied by the pass).
      const early = await relay.upkeep(Date.now() + HOUR / 2)
      expect(early.segmentsDropped).toBe(0)
      expect(early.blocksCompacted).toBeGreaterThan(4)
      expect(archive.repo(a.did)!.blocks).toBe(before - early.blocksCompacted)
      expect(existsSync(oldShard)).toBe(false)
      expect(archive.shards(a.did)).toHaveLength(1)
      const car = new Uint8Array(
        await (await fetch(`${relay.url}/xrpc/com.atproto.sync.getRepo?did=${a.did}`)).arrayBuffer(),
      )
      const info = await verifyRepoCar(car, { did: a.did, key: a.keypair.did() })
      expect(info.recordCount).toBe(a.repo.rkeys.length)

      // Two hours on, every sealed segment is past the window (a 72 h window would keep them).
      const late = await relay.upkeep(Date.now() + 2 * HOUR)
      expect(late.segmentsDropped).toBeGreaterThan(0)
      expect(late.blocksCompacted).toBe(0)
      const pruned = relay.log.prunedThrough()!
      expect(pruned).toBeGreaterThan(1)
      expect(pruned).toBeLessThan(head)
      const frame = await firstFrame(relay, 1)
      expect(frame.header).toEqual({ op: 1, t: '#info' })
      expect((frame.body as { name?: string }).name).toBe('OutdatedCursor')
    })
  })

  it('the timer runs the pass: a queued account is compacted with no call', async () => {
    await withRelay({ upkeepIntervalMs: 100 }, async (relay, pds) => {
      const a = await accountWithGarbage(relay, pds, 4)
      const archive = relay.ctx.archive!
      await waitUntil(() => archive.shards(a.did).length === 1, 10_000, 'compacted by the timer')
      const blocks = archive.repo(a.did)!.blocks
      const car = new Uint8Array(
        await (await fetch(`${relay.url}/xrpc/com.atproto.sync.getRepo?did=${a.did}`)).arrayBuffer(),
      )
      const info = await verifyRepoCar(car, { did: a.did, key: a.keypair.did() })
      expect(info.recordCount).toBe(a.repo.rkeys.length)
      expect(info.commit.equals(a.repo.head!.cid)).toBe(true)
      // What is stored is exactly what the repo reaches: the garbage went.
      expect((await readCar(car)).blocks.size).toBe(blocks)
    })
  })
})

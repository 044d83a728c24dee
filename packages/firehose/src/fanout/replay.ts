// Cursor handling for a new subscriber (event-stream.md "Sequence Numbers"): replay from the log
// after the cursor, then switch to live without a gap or a duplicate.
//
// The switch: once a log read comes back short, live events start being held (not dropped),
// and the log is read once more. Any event published before the hold began was persisted
// before it was published, so that last read sees it; anything later is in the hold. Releasing
// the hold skips seqs the reads already queued. This relies on the producer's contract: persist,
// then publish, in seq order.
import { FanoutError } from '../errors.js'
import { encodeErrorFrame } from '../frame/encode.js'
import { FUTURE_CURSOR, OUTDATED_CURSOR } from '../frame/types.js'
import { encodeRepoMessage } from '../messages/build.js'
import type { EventLog } from './event-log.js'
import type { FanoutSubscription } from './subscription.js'

export interface ReplaySource {
  readonly log: EventLog
  readonly replayBatch: number
  /** Highest seq published so far. */
  readonly lastPublished: number | undefined
  /** Starts routing published events to `sub` (held until it goes live). */
  addLive(sub: FanoutSubscription): void
}

/**
 * Whether retention dropped events after `seq`. Exact with prunedThrough; from oldest() alone
 * it is a guess (seqs may have gaps), good enough for the OutdatedCursor notice only.
 */
async function droppedAfter(log: EventLog, seq: number, exactOnly: boolean): Promise<boolean> {
  if (log.prunedThrough) {
    const pruned = await log.prunedThrough()
    return pruned !== undefined && pruned > seq
  }
  if (exactOnly) return false
  const oldest = await log.oldest()
  return oldest !== undefined && seq < oldest - 1
}

/** One log read into the queue; true if there may be more to read. */
async function readInto(src: ReplaySource, sub: FanoutSubscription): Promise<boolean> {
  const from = sub.lastSeq
  const batch = await src.log.read(from, src.replayBatch)
  // A reader slower than the retention window would skip events without knowing: cut it, and
  // its reconnect from the same cursor gets OutdatedCursor. Checked after the read, so a read
  // racing with pruning is caught too (prunedThrough only grows). Needs prunedThrough.
  if (await droppedAfter(src.log, from, true)) {
    sub.tooSlow('subscriber fell behind the retention window')
    return false
  }
  for (const e of batch) {
    if (!sub.replaying) return false
    if (e.seq <= sub.lastSeq) continue
    await sub.waitForSpace()
    if (!sub.replaying) return false
    sub.enqueue(e.seq, e.frame)
  }
  return batch.length >= src.replayBatch
}

/** Runs a subscription from `cursor` (undefined: live only) until it is live or has ended. */
export async function startSubscription(
  src: ReplaySource,
  sub: FanoutSubscription,
  cursor: number | undefined,
): Promise<void> {
  try {
    if (cursor === undefined) {
      sub.lastSeq = src.lastPublished ?? 0
      src.addLive(sub)
      sub.beginCutover()
      sub.goLive()
      return
    }
    const [head, oldest] = await Promise.all([src.log.head(), src.log.oldest()])
    const current = Math.max(head ?? 0, src.lastPublished ?? 0)
    if (cursor > current) {
      sub.end(
        FUTURE_CURSOR,
        encodeErrorFrame(FUTURE_CURSOR, `cursor ${cursor} is ahead of the stream (${current})`),
      )
      return
    }
    // Cursor 0 asks for the whole window; an older cursor than the window is told so first.
    // Either way the replay starts just after what retention dropped.
    if (await droppedAfter(src.log, cursor, false)) {
      if (cursor > 0) {
        const message = `cursor ${cursor} is older than the oldest retained event ${oldest}; starting there`
        sub.enqueueInfo(encodeRepoMessage({ t: '#info', body: { name: OUTDATED_CURSOR, message } }))
      }
      const pruned = src.log.prunedThrough ? await src.log.prunedThrough() : undefined
      sub.lastSeq = Math.max(cursor, pruned ?? (oldest ?? 1) - 1)
    } else {
      sub.lastSeq = cursor
    }
    while (await readInto(src, sub));
    if (!sub.replaying) return
    src.addLive(sub)
    sub.beginCutover()
    while (await readInto(src, sub));
    sub.goLive()
  } catch (err) {
    sub.fail(new FanoutError(`event log failed while replaying from ${cursor}`, { cause: err }))
  }
}

// The subscribeRepos fan-out over this PDS's event log (event-stream.md, sync.md). Every event
// is persisted with its frame by the transaction that caused it; the sequencer announces it
// after the commit, and the fan-out hands those same bytes to every subscriber. Replays read
// the log; the switch to live is the fan-out's (gap-free, no duplicates).
import { EventFanout, type EventLog, FanoutError } from '@welkin/firehose'
import { InvalidRequestError, XrpcError } from '@welkin/xrpc'
import type { SqliteEventLog } from '../../event-log.js'
import type { Sequencer } from '../../sequencer.js'

export interface RepoFirehoseOptions {
  /** Frames queued per subscriber before it is cut off with ConsumerTooSlow (PDS_MAX_SUBSCRIPTION_BUFFER). */
  maxBufferFrames: number
  maxBufferBytes?: number
  replayBatch?: number
  maxSubscribers?: number
}

/**
 * The store's log in the fan-out's terms. The sequencer hands out consecutive seqs (a rolled
 * back transaction gives its seqs back) and retention deletes a prefix, so everything below
 * the oldest retained seq was pruned: that makes OutdatedCursor exact.
 */
function logAdapter(log: SqliteEventLog): EventLog {
  return {
    head: () => log.head() ?? undefined,
    oldest: () => log.oldest() ?? undefined,
    prunedThrough: () => {
      const oldest = log.oldest()
      return oldest === null ? undefined : oldest - 1
    },
    read: (after, limit) => log.read(after, limit),
  }
}

export class RepoFirehose {
  readonly fanout: EventFanout
  readonly #unsubscribe: () => void

  constructor(log: SqliteEventLog, sequencer: Sequencer, opts: RepoFirehoseOptions) {
    this.fanout = new EventFanout(logAdapter(log), {
      maxBufferFrames: Math.max(1, opts.maxBufferFrames),
      maxBufferBytes: opts.maxBufferBytes,
      replayBatch: opts.replayBatch,
      maxSubscribers: opts.maxSubscribers,
    })
    this.#unsubscribe = sequencer.subscribe((e) => this.fanout.publish(e.seq, e.frame))
  }

  /** A subscriber's frames from `cursor` (undefined: live only); bad cursors are refused here. */
  subscribe(cursor: number | undefined, signal: AbortSignal): AsyncIterable<Uint8Array> {
    if (cursor !== undefined && !(Number.isSafeInteger(cursor) && cursor >= 0)) {
      throw new InvalidRequestError(`cursor must be a non-negative integer, got ${cursor}`)
    }
    try {
      return this.fanout.subscribe({ cursor, signal })
    } catch (err) {
      if (err instanceof FanoutError) throw new XrpcError(503, 'NotEnoughResources', err.message)
      throw err
    }
  }

  close(): void {
    this.#unsubscribe()
    this.fanout.close()
  }
}

// A damaged archive read: the index points past the end of a shard file, at a file that is
// gone, or at bytes that no longer hash to the CID. Typed so the XRPC edge can answer with the
// lexicon's error names (never a 500) and the account can be backfilled again.
import { ArchiveError } from '../errors.js'

export type CorruptReason = 'truncated' | 'hash-mismatch' | 'missing-file' | 'bad-shard' | 'missing-block'

export class ArchiveCorruptError extends ArchiveError {
  constructor(
    readonly did: string,
    readonly reason: CorruptReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`archive of ${did} is damaged (${reason}): ${message}`, options)
  }
}

/** The ArchiveCorruptError behind `err` (libraries may wrap what a blockstore threw), if any. */
export function findCorrupt(err: unknown): ArchiveCorruptError | undefined {
  for (let e = err, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof ArchiveCorruptError) return e
  }
  return undefined
}

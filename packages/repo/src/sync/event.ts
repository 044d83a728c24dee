import { exportDiffCar } from '../car-export.js'
import type { CommitData } from '../repo.js'
import type { CommitEvent } from './verify-commit.js'

/** The Sync 1.1 fields of a `#commit` event for a commit (the firehose adds seq, time, ...). */
export function commitEventFields(commit: CommitData): CommitEvent & { since: string | null } {
  return {
    repo: commit.commit.did,
    rev: commit.rev,
    since: commit.since,
    commit: commit.cid,
    blocks: exportDiffCar(commit),
    ops: commit.ops.map((op) =>
      op.action === 'create'
        ? { action: op.action, path: op.path, cid: op.cid }
        : { action: op.action, path: op.path, cid: op.cid, prev: op.prev ?? null },
    ),
    prevData: commit.prevData,
  }
}

// Producer helpers: a PDS turns its commits and account changes into messages, and every
// message into frame bytes exactly once before publishing.
import { encodeCar } from '@welkin/data'
import { type Commit, type CommitData, commitBlock, exportDiffCar } from '@welkin/repo'
import { encodeMessageFrame } from '../frame/encode.js'
import type {
  AccountMessage,
  CommitMessage,
  IdentityMessage,
  RepoMessage,
  RepoOp,
  SyncMessage,
} from './types.js'

function now(): string {
  return new Date().toISOString()
}

/** The `#commit` message announcing `commit` (sync.md "#commit Events", Sync 1.1 fields included). */
export function commitMessage(commit: CommitData, seq: number, time: string = now()): CommitMessage {
  const ops: RepoOp[] = commit.ops.map((op) =>
    op.prev
      ? { action: op.action, path: op.path, cid: op.cid, prev: op.prev }
      : { action: op.action, path: op.path, cid: op.cid },
  )
  const msg: CommitMessage = {
    seq,
    rebase: false,
    tooBig: false,
    repo: commit.commit.did,
    commit: commit.cid,
    rev: commit.rev,
    since: commit.since,
    blocks: exportDiffCar(commit),
    ops,
    blobs: [],
    time,
  }
  if (commit.prevData) msg.prevData = commit.prevData
  return msg
}

/** The `#sync` message asserting `commit` as the repo's current state; `blocks` holds only it. */
export function syncMessage(commit: Commit, seq: number, time: string = now()): SyncMessage {
  const block = commitBlock(commit)
  return { seq, did: commit.did, blocks: encodeCar([block.cid], [block]), rev: commit.rev, time }
}

export function identityMessage(
  did: string,
  seq: number,
  handle?: string,
  time: string = now(),
): IdentityMessage {
  return handle === undefined ? { seq, did, time } : { seq, did, time, handle }
}

export function accountMessage(
  did: string,
  seq: number,
  active: boolean,
  status?: string,
  time: string = now(),
): AccountMessage {
  return status === undefined ? { seq, did, time, active } : { seq, did, time, active, status }
}

/** Frame bytes of a message, header `t` taken from it. */
export function encodeRepoMessage(message: RepoMessage): Uint8Array {
  return encodeMessageFrame(message.t, message.body)
}

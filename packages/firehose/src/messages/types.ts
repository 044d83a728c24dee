// The com.atproto.sync.subscribeRepos message types (sync.md "Repository Event Stream").
import type { CID } from '@welkin/data'

export type RepoOpAction = 'create' | 'update' | 'delete'

export interface RepoOp {
  action: RepoOpAction
  /** `collection/rkey`. */
  path: string
  /** The record after the op; null for a delete. */
  cid: CID | null
  /** The record before the op, for updates and deletes (Sync 1.1); absent for creates. */
  prev?: CID
}

export interface CommitMessage {
  seq: number
  /** Deprecated, always false; defaulted to false when a producer omits it. */
  rebase: boolean
  /** Deprecated, always false; defaulted to false when a producer omits it. */
  tooBig: boolean
  repo: string
  commit: CID
  rev: string
  since: string | null
  /** CAR slice: the commit (first root), new MST nodes and records, inversion context. */
  blocks: Uint8Array
  ops: RepoOp[]
  /** Deprecated, always empty; defaulted to [] when a producer omits it. */
  blobs: CID[]
  /** The previous commit's tree root: needed to verify by inversion (Sync 1.1). */
  prevData?: CID
  time: string
}

export interface SyncMessage {
  seq: number
  did: string
  /** CAR slice holding only the commit block, which is its first root. */
  blocks: Uint8Array
  rev: string
  time: string
}

export interface IdentityMessage {
  seq: number
  did: string
  time: string
  handle?: string
}

export interface AccountMessage {
  seq: number
  did: string
  time: string
  active: boolean
  /** Known values: takendown, suspended, deleted, deactivated, desynchronized, throttled. */
  status?: string
}

export interface InfoMessage {
  /** E.g. `OutdatedCursor`. */
  name: string
  message?: string
}

/** A decoded subscribeRepos message, tagged by its header `t`. */
export type RepoMessage =
  | { t: '#commit'; body: CommitMessage }
  | { t: '#sync'; body: SyncMessage }
  | { t: '#identity'; body: IdentityMessage }
  | { t: '#account'; body: AccountMessage }
  | { t: '#info'; body: InfoMessage }

export type RepoMessageType = RepoMessage['t']

export const REPO_MESSAGE_TYPES: readonly RepoMessageType[] = [
  '#commit',
  '#sync',
  '#identity',
  '#account',
  '#info',
]

/** Bounds checked while parsing; defaults from the lexicon and sync.md. */
export interface MessageLimits {
  /** `#commit` `blocks` (default 2,000,000 bytes). */
  maxCommitBlocksBytes?: number
  /** `#commit` ops (default 200). */
  maxOps?: number
  /** `#sync` `blocks` (default 10,000 bytes). */
  maxSyncBlocksBytes?: number
}

export const DEFAULT_MESSAGE_LIMITS: Readonly<Required<MessageLimits>> = Object.freeze({
  maxCommitBlocksBytes: 2_000_000,
  maxOps: 200,
  maxSyncBlocksBytes: 10_000,
})

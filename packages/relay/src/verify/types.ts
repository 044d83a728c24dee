// What crosses the thread boundary between the ingest pipeline and the verification workers:
// plain data only, CIDs as binary strings (util/bin.ts), so structured cloning is cheap. The
// pool packs a batch's byte payloads into one transferred buffer (see wire.ts).

export interface WireOp {
  action: string
  path: string
  cid: string | null
  prev: string | null
}

/** A `#commit` event to verify, re-emitted as `#commit` (or as `#sync` when its chain broke). */
export interface CommitJob {
  kind: 'commit'
  id: number
  /** The repo's signing key as a did:key. */
  key: string
  emit: 'commit' | 'sync'
  allowMissingPrevData: boolean
  repo: string
  rev: string
  since: string | null
  commit: string
  blocks: Uint8Array
  ops: WireOp[]
  prevData: string | null
  time: string
}

/** A `#sync` event to verify (signature and fields of its commit block). */
export interface SyncJob {
  kind: 'sync'
  id: number
  key: string
  did: string
  rev: string
  blocks: Uint8Array
  time: string
}

export type VerifyJob = CommitJob | SyncJob

export interface VerifyOk {
  id: number
  ok: true
  /** The output frame with `seq` encoded as 0 at seqOffset, to be replaced by the relay's seq. */
  frame: Uint8Array
  seqOffset: number
  rev: string
  /** Commit CID and its MST root, as binary strings. */
  head: string
  data: string
  /** Collections the commit created records in. */
  collections: string[]
}

export interface VerifyFail {
  id: number
  ok: false
  /** A CommitVerificationError reason, or one of this stage's own. */
  reason: string
  message: string
}

export type VerifyResult = VerifyOk | VerifyFail

// Options and results of Graph (graph.ts).
import type { Clock } from './clock.js'
import type { GraphEntry } from './entry.js'
import type { GraphError, GraphErrorCode } from './errors.js'
import type { GraphLimits } from './limits.js'
import type { SignatureVerifier, SyncSigner } from './signing.js'

export interface GraphOptions {
  /** Time source (default: the system clock). */
  clock?: Clock
  /** This replica's id, used in OR-Set tags: 1-64 of [A-Za-z0-9_-] (default: random). */
  nodeId?: string
  /** Updates dated more than this far past `clock.now()` are deferred (default 60,000). */
  maxSkewMs?: number
  /** Updates beyond the skew bound by more than this are rejected outright (default 3,600,000). */
  maxDeferMs?: number
  /** Capacity of the deferred queue, in properties (default 10,000). */
  maxDeferred?: number
  limits?: Partial<GraphLimits>
  /** Signature checks for user space (default: DidKeyVerifier over @welkin/crypto). */
  verifier?: SignatureVerifier
  /** Receives exceptions thrown by listeners (default: rethrown from a microtask). */
  onListenerError?: (err: unknown) => void
}

export interface Rejection {
  readonly update: unknown
  readonly error: GraphError
}

export interface MergeResult {
  /** Entries now stored, in the order applied. */
  readonly changed: GraphEntry[]
  /** Valid updates from the future held for a later `tick`. */
  readonly deferred: GraphEntry[]
  readonly rejected: Rejection[]
  /** Updates that lost to, or equalled, what was stored (historical or duplicate). */
  ignored: number
}

export interface GraphStats {
  applied: number
  ignored: number
  deferred: number
  released: number
  rejected: number
  rejectedBy: Partial<Record<GraphErrorCode, number>>
}

export interface PutOptions {
  /** Required for user-space souls: the soul owner's key. */
  signer?: SyncSigner
}

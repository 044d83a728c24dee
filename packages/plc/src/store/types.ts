// The storage contract of the directory. Two backends (SQLite, PostgreSQL) implement it and run
// the same test suite. The one write, appendOp, hands the DID's whole history to a synchronous
// `decide` inside a transaction that holds the DID's write lock, so validation and insertion
// are one atomic step and two writers can never both extend the same op.
import type { PlcOp } from '@welkin/identity'

export interface StoredOp {
  /** Position in the directory's global log; strictly increasing, never reused. */
  seq: number
  did: string
  operation: PlcOp
  cid: string
  nullified: boolean
  /** When the directory accepted it, `YYYY-MM-DDTHH:mm:ss.sssZ`; non-decreasing in `seq` order. */
  createdAt: string
}

/** What `decide` returns: the op to store and the CIDs it nullifies. */
export interface AppendDecision {
  operation: PlcOp
  cid: string
  nullify: readonly string[]
}

/**
 * Judges a proposed op against the DID's stored history (all ops, nullified too, in `seq`
 * order) at time `now` (ms). Throws to refuse; the transaction then writes nothing.
 */
export type DecideFn = (history: readonly StoredOp[], now: number) => AppendDecision

export interface PlcStore {
  readonly kind: 'sqlite' | 'postgres'
  /** Ops of one DID in log order; nullified ones only with `includeNullified`. */
  getOps(did: string, opts?: { includeNullified?: boolean }): Promise<StoredOp[]>
  /** The DID's latest non-nullified op, or null for an unknown DID. */
  getLastOp(did: string): Promise<StoredOp | null>
  /** Atomically validates (via `decide`) and appends an op; resolves with what was stored. */
  appendOp(did: string, decide: DecideFn): Promise<StoredOp>
  /** Ops with `seq > after`, in `seq` order. */
  exportBySeq(after: number, count: number): Promise<StoredOp[]>
  /**
   * Ops accepted strictly after `after` (ISO time; from the start when undefined), oldest
   * first. A page never ends inside a group of ops sharing one createdAt: the group is completed
   * past `count`, so a createdAt cursor never skips an op.
   */
  exportByTime(after: string | undefined, count: number): Promise<StoredOp[]>
  /** Throws when the backend cannot serve. */
  healthCheck(): Promise<void>
  close(): Promise<void>
}

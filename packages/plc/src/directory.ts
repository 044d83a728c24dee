// The directory's behaviour, independent of HTTP: submitting ops (validated against the
// stored history inside the store's write transaction) and reading documents, logs and the
// export. The HTTP layer only maps these results to status codes.
import {
  assertPlcDid,
  assureValidNextPreparedOp,
  type DidDocument,
  formatDidDocument,
  isPlcDid,
  opToData,
  type PlcDocumentData,
  type PlcOp,
  PlcOpError,
  preparePlcOp,
} from '@welkin/identity'
import { assertOpRate, DEFAULT_OP_RATE_LIMITS, type OpRateLimits } from './op-limits.js'
import type { PlcStore, StoredOp } from './store/types.js'

export const MAX_EXPORT_COUNT = 1000

export interface PlcDirectoryOptions {
  /**
   * Accept new DIDs in the deprecated `create` format. Off by default, as on the public
   * directory; stored legacy genesis ops are always served and validated.
   */
  acceptLegacyCreate?: boolean
  /**
   * Per-DID caps on accepted ops (default 10 per hour, 30 per day, 100 per week). An object
   * replaces the defaults: a window it leaves out (or sets to 0) is off. `false` turns all off.
   * Ops that nullify others (recovery) are never refused by these caps.
   */
  opLimits?: OpRateLimits | false
}

/** Current state of a DID: its data, deactivated, or unknown. */
export type DidState =
  | { status: 'active'; data: PlcDocumentData }
  | { status: 'tombstoned' }
  | { status: 'not-found' }

/** An op in the audit-log / legacy export form. */
export interface AuditLogEntry {
  did: string
  operation: PlcOp
  cid: string
  nullified: boolean
  createdAt: string
}

/** An op in the sequenced export form (`after` given as a number). */
export interface SeqExportEntry extends AuditLogEntry {
  type: 'indexed_op'
  seq: number
}

function auditEntry(op: StoredOp): AuditLogEntry {
  return {
    did: op.did,
    operation: op.operation,
    cid: op.cid,
    nullified: op.nullified,
    createdAt: op.createdAt,
  }
}

export class PlcDirectory {
  readonly store: PlcStore
  readonly #acceptLegacyCreate: boolean
  readonly #opLimits: OpRateLimits

  constructor(store: PlcStore, opts: PlcDirectoryOptions = {}) {
    this.store = store
    this.#acceptLegacyCreate = opts.acceptLegacyCreate ?? false
    this.#opLimits = opts.opLimits === false ? {} : { ...(opts.opLimits ?? DEFAULT_OP_RATE_LIMITS) }
  }

  /**
   * Validates and appends an op; throws PlcOpError (a 400) when it is invalid and
   * RateLimitedError (a 429) when the DID has used up its op budget.
   */
  async submit(did: string, op: unknown): Promise<StoredOp> {
    assertPlcDid(did)
    // Everything that needs no history is checked before taking the DID's write lock.
    const prepared = preparePlcOp(op)
    if (prepared.op.type === 'create' && !this.#acceptLegacyCreate) {
      throw new PlcOpError(
        'MalformedOperation',
        'the legacy "create" format is no longer accepted for new DIDs',
      )
    }
    return this.store.appendOp(did, (history, now) => {
      const accepted = assureValidNextPreparedOp(did, history, prepared, { now })
      // Validation first: only a valid op can be a recovery, and recoveries are never capped.
      if (accepted.nullified.length === 0) assertOpRate(did, history, now, this.#opLimits)
      return { operation: prepared.op, cid: prepared.cid, nullify: accepted.nullified }
    })
  }

  async getState(did: string): Promise<DidState> {
    if (!isPlcDid(did)) return { status: 'not-found' }
    const last = await this.store.getLastOp(did)
    if (!last) return { status: 'not-found' }
    const data = opToData(did, last.operation)
    return data ? { status: 'active', data } : { status: 'tombstoned' }
  }

  async getDocument(did: string): Promise<DidDocument | DidState['status']> {
    const state = await this.getState(did)
    return state.status === 'active' ? formatDidDocument(state.data) : state.status
  }

  /** The current (non-nullified) ops, or null for an unknown DID. */
  async getLog(did: string): Promise<PlcOp[] | null> {
    if (!isPlcDid(did)) return null
    const ops = await this.store.getOps(did)
    return ops.length > 0 ? ops.map((o) => o.operation) : null
  }

  /** Every op ever accepted for the DID, nullified ones included, or null for an unknown DID. */
  async getAuditLog(did: string): Promise<AuditLogEntry[] | null> {
    if (!isPlcDid(did)) return null
    const ops = await this.store.getOps(did, { includeNullified: true })
    return ops.length > 0 ? ops.map(auditEntry) : null
  }

  async getLastOp(did: string): Promise<PlcOp | null> {
    if (!isPlcDid(did)) return null
    return (await this.store.getLastOp(did))?.operation ?? null
  }

  async exportBySeq(after: number, count: number): Promise<SeqExportEntry[]> {
    const ops = await this.store.exportBySeq(after, Math.min(count, MAX_EXPORT_COUNT))
    return ops.map((op) => ({ type: 'indexed_op', seq: op.seq, ...auditEntry(op) }))
  }

  async exportByTime(after: string | undefined, count: number): Promise<AuditLogEntry[]> {
    return (await this.store.exportByTime(after, Math.min(count, MAX_EXPORT_COUNT))).map(auditEntry)
  }
}

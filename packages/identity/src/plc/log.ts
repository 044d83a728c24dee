// Checking a whole history fetched from a directory, so a client need not trust the server
// (did:plc spec, "Audit Logs"): every op re-validated with the same rules the directory used.
import { PlcOpError } from '../errors.js'
import { assureValidNextOp, type ChainEntry } from './chain.js'
import { opToData } from './normalize.js'
import type { PlcDocumentData } from './types.js'

/** An audit-log entry as `/:did/log/audit` serves it (operation still untrusted). */
export interface AuditEntry {
  operation: unknown
  cid?: string
  nullified: boolean
  createdAt: string
}

/**
 * Validates the current (non-nullified) log of a DID, as `/:did/log` serves it, and returns
 * the state it ends in: null when it ends in a tombstone.
 */
export function validateOpLog(did: string, ops: readonly unknown[]): PlcDocumentData | null {
  if (ops.length === 0) throw new PlcOpError('MisorderedOperation', `the log of ${did} is empty`)
  const chain: ChainEntry[] = []
  // The time is irrelevant: a straight chain never nullifies anything.
  for (const op of ops) {
    const accepted = assureValidNextOp(did, chain, op)
    if (accepted.nullified.length > 0) {
      throw new PlcOpError('MisorderedOperation', `the log of ${did} forks at ${accepted.prepared.cid}`)
    }
    chain.push({
      cid: accepted.prepared.cid,
      operation: accepted.prepared.op,
      nullified: false,
      createdAt: '',
    })
  }
  return opToData(did, chain[chain.length - 1].operation)
}

/**
 * Replays an audit log in order, judging each op at the time the directory accepted it, and
 * checks that the directory's CIDs and `nullified` flags are the ones the rules produce.
 */
export function validateAuditLog(did: string, entries: readonly AuditEntry[]): PlcDocumentData | null {
  const chain: ChainEntry[] = []
  let lastTime = Number.NEGATIVE_INFINITY
  for (const [i, entry] of entries.entries()) {
    const time = Date.parse(entry.createdAt)
    if (Number.isNaN(time) || time < lastTime) {
      throw new PlcOpError('MisorderedOperation', `audit entry ${i} has a missing or out-of-order createdAt`)
    }
    lastTime = time
    const accepted = assureValidNextOp(did, chain, entry.operation, { now: time })
    if (entry.cid !== undefined && entry.cid !== accepted.prepared.cid) {
      throw new PlcOpError(
        'MalformedOperation',
        `audit entry ${i} claims CID ${entry.cid}, but hashes to ${accepted.prepared.cid}`,
      )
    }
    for (const e of chain) if (accepted.nullified.includes(e.cid)) e.nullified = true
    chain.push({
      cid: accepted.prepared.cid,
      operation: accepted.prepared.op,
      nullified: false,
      createdAt: entry.createdAt,
    })
  }
  for (const [i, e] of chain.entries()) {
    if (e.nullified !== entries[i].nullified) {
      throw new PlcOpError(
        'MisorderedOperation',
        `audit entry ${i} (${e.cid}) is marked nullified=${entries[i].nullified}, but the rules say ${e.nullified}`,
      )
    }
  }
  const active = chain.filter((e) => !e.nullified)
  if (active.length === 0) throw new PlcOpError('MisorderedOperation', `the audit log of ${did} is empty`)
  return opToData(did, active[active.length - 1].operation)
}

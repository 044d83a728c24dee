import { CID, cidForCbor, type DataValue, encodeCbor } from '@welkin/data'
import { isValidNsid, isValidRecordKey } from '@welkin/syntax'
import { InvalidWriteError } from './errors.js'

export type WriteAction = 'create' | 'update' | 'delete'

/** One record write of a batch; the caller picks record keys (a TID from `nextTid()` usually). */
export interface RecordWrite {
  action: WriteAction
  collection: string
  rkey: string
  /** The record, for create and update: a map (DAG-CBOR encodable). */
  record?: DataValue
}

export interface PreparedWrite {
  action: WriteAction
  path: string
  block?: { cid: CID; bytes: Uint8Array }
}

/** Validates a batch and encodes its records (repository.md "Repository Paths"). */
export function prepareWrites(writes: readonly RecordWrite[], maxWrites: number): PreparedWrite[] {
  if (writes.length > maxWrites)
    throw new InvalidWriteError(`${writes.length} writes, more than ${maxWrites}`)
  const seen = new Set<string>()
  return writes.map((w, i) => {
    if (w.action !== 'create' && w.action !== 'update' && w.action !== 'delete') {
      throw new InvalidWriteError(`write ${i}: unknown action ${JSON.stringify(w.action)}`)
    }
    if (!isValidNsid(w.collection))
      throw new InvalidWriteError(`write ${i}: invalid collection ${w.collection}`)
    if (!isValidRecordKey(w.rkey)) throw new InvalidWriteError(`write ${i}: invalid record key ${w.rkey}`)
    const path = `${w.collection}/${w.rkey}`
    if (seen.has(path)) throw new InvalidWriteError(`write ${i}: ${path} is written twice in one commit`)
    seen.add(path)
    if (w.action === 'delete') return { action: w.action, path }
    const r = w.record
    if (
      r === null ||
      r === undefined ||
      typeof r !== 'object' ||
      Array.isArray(r) ||
      r instanceof Uint8Array ||
      r instanceof CID
    ) {
      throw new InvalidWriteError(`write ${i}: ${w.action} ${path} needs a record that is a map`)
    }
    const bytes = encodeCbor(r)
    return { action: w.action, path, block: { cid: cidForCbor(bytes), bytes } }
  })
}

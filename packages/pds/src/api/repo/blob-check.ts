// Blob references in a record must name blobs this account uploaded, with the type and size the
// upload recorded (blob.md "Blob Lifecycle"): a client cannot relabel an upload by editing the
// reference. The commit itself checks again that the blob exists, inside its transaction.
import { CID, type DataValue, isBlobRef, isDataObject, isLegacyBlobRef } from '@welkin/data'
import { InvalidRequestError } from '@welkin/xrpc'
import type { PdsContext } from '../../context.js'

/** Deeper than any lexicon nests; a hostile record cannot make the walk recurse without bound. */
const MAX_DEPTH = 64

interface Ref {
  cid: CID
  mimeType: string
  size: number | undefined
}

function collect(v: DataValue, depth: number, out: Ref[]): void {
  if (depth > MAX_DEPTH || v === null || typeof v !== 'object' || v instanceof Uint8Array || v instanceof CID)
    return
  if (Array.isArray(v)) {
    for (const item of v) collect(item, depth + 1, out)
    return
  }
  if (!isDataObject(v)) return
  if (isBlobRef(v)) {
    out.push({ cid: v.ref, mimeType: v.mimeType, size: v.size })
    return
  }
  if (isLegacyBlobRef(v)) {
    out.push({ cid: CID.parse(v.cid), mimeType: v.mimeType, size: undefined })
    return
  }
  for (const key in v) collect(v[key], depth + 1, out)
}

export function checkBlobRefs(ctx: PdsContext, did: string, record: DataValue): void {
  const refs: Ref[] = []
  collect(record, 0, refs)
  if (refs.length === 0) return
  const lookup = ctx.store.db.prepare('SELECT mime_type, size FROM blob WHERE did = ? AND cid = ?')
  for (const ref of refs) {
    const cid = ref.cid.toString()
    const row = lookup.get(did, cid) as { mime_type: string; size: number } | undefined
    if (row === undefined) throw new InvalidRequestError(`Could not find blob: ${cid}`, 'BlobNotFound')
    if (row.mime_type !== ref.mimeType) {
      throw new InvalidRequestError(
        `Referenced mimetype does not match stored blob ${cid}: expected ${row.mime_type}, got ${ref.mimeType}`,
      )
    }
    if (ref.size !== undefined && row.size !== ref.size) {
      throw new InvalidRequestError(
        `Referenced size does not match stored blob ${cid}: expected ${row.size}, got ${ref.size}`,
      )
    }
  }
}

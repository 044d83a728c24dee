// The blobs a record references (blob.md "Blob Lifecycle": a write makes them permanent; the
// last record referencing a blob takes it with it when deleted).
import { CID, type DataValue, isBlobRef, isDataObject, isLegacyBlobRef } from '@welkin/data'

/** Deeper nesting than any lexicon uses; guards the walk against a hostile record. */
const MAX_DEPTH = 64

/** Distinct blob CIDs referenced anywhere in `value` (blob refs and the legacy shape). */
export function findBlobRefs(value: DataValue): CID[] {
  const found = new Map<string, CID>()
  walk(value, 0, found)
  return [...found.values()]
}

function walk(v: DataValue, depth: number, found: Map<string, CID>): void {
  if (depth > MAX_DEPTH || v === null || typeof v !== 'object' || v instanceof Uint8Array || v instanceof CID)
    return
  if (Array.isArray(v)) {
    for (const item of v) walk(item, depth + 1, found)
    return
  }
  if (!isDataObject(v)) return
  if (isBlobRef(v)) {
    found.set(v.ref.key, v.ref)
    return
  }
  if (isLegacyBlobRef(v)) {
    const cid = CID.parse(v.cid)
    found.set(cid.key, cid)
    return
  }
  for (const key in v) walk(v[key], depth + 1, found)
}

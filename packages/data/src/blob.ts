// Blob references (data-model spec, "blob Type"), including the deprecated legacy shape that
// must still be readable but is never written.
import { CID, RAW } from './cid.js'
import type { DataObject } from './data-value.js'
import { isDataObject } from './data-value.js'
import { DataError } from './errors.js'

// Type aliases (not interfaces) so blob refs are assignable to DataValue inside records.
export type BlobRef = {
  $type: 'blob'
  ref: CID
  mimeType: string
  size: number
}

/** The pre-2023 shape: a CID *string*, no $type, no size. */
export type LegacyBlobRef = {
  cid: string
  mimeType: string
}

/** Why `obj` (which has `$type: 'blob'`) is not a valid blob, or null when it is. */
export function blobProblem(obj: DataObject): string | null {
  const ref = obj.ref
  if (!(ref instanceof CID)) return 'blob ref must be a CID link'
  // Blobs are hashed with the raw codec, and that is what we write; but the conformance vectors
  // (lexicon/record-data-valid.json) and the official implementation accept a dag-cbor ref when
  // reading, so we do too rather than reject records others consider valid.
  if (typeof obj.mimeType !== 'string' || obj.mimeType.length === 0)
    return 'blob mimeType must be a non-empty string'
  if (typeof obj.size !== 'number' || !Number.isSafeInteger(obj.size) || obj.size < 0) {
    return 'blob size must be a non-negative integer'
  }
  return null
}

export function isBlobRef(v: unknown): v is BlobRef {
  return isDataObject(v) && v.$type === 'blob' && blobProblem(v) === null
}

export function isLegacyBlobRef(v: unknown): v is LegacyBlobRef {
  if (!isDataObject(v) || v.$type !== undefined) return false
  if (typeof v.cid !== 'string' || typeof v.mimeType !== 'string' || v.mimeType.length === 0) return false
  try {
    CID.parse(v.cid)
    return true
  } catch {
    return false
  }
}

/** A blob reference to write in a record, built from a known CID. */
export function blobRef(ref: CID, mimeType: string, size: number): BlobRef {
  const blob: BlobRef = { $type: 'blob', ref, mimeType, size }
  // What we write is strict: blob content is addressed with the raw codec (blob.md).
  const problem = ref.code === RAW ? blobProblem(blob) : 'blob ref must be a raw (0x55) CID'
  if (problem) throw new DataError(problem)
  return blob
}

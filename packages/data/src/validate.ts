// Schema-free checks of the atproto data model beyond what the encodings enforce (data-model
// spec; data-validation guide, "Validation Without Schema"): `$type` is a non-empty string and
// `$type: 'blob'` objects are well-formed blobs.
import { blobProblem } from './blob.js'
import { CID } from './cid.js'
import type { DataObject, DataValue } from './data-value.js'
import { isDataObject } from './data-value.js'
import { InvalidDataError } from './errors.js'
import { DEFAULT_CBOR_LIMITS } from './limits.js'

/** Why this object breaks a reserved-field rule, or null. */
export function objectProblem(obj: DataObject): string | null {
  const type = obj.$type
  if (type === undefined) return null
  if (typeof type !== 'string' || type.length === 0) return '$type must be a non-empty string'
  return type === 'blob' ? blobProblem(obj) : null
}

function walk(v: unknown, depth: number, path: (string | number)[]): void {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return
    case 'number':
      if (!Number.isSafeInteger(v)) throw new InvalidDataError(`${v} is not a safe integer (no floats)`, path)
      return
    case 'object': {
      if (v === null || v instanceof Uint8Array || v instanceof CID) return
      if (depth >= DEFAULT_CBOR_LIMITS.maxDepth) throw new InvalidDataError('nesting too deep', path)
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) {
          path.push(i)
          walk(v[i], depth + 1, path)
          path.pop()
        }
        return
      }
      if (!isDataObject(v)) throw new InvalidDataError('not a data model value', path)
      for (const key of Object.keys(v)) {
        path.push(key)
        walk(v[key], depth + 1, path)
        path.pop()
      }
      const problem = objectProblem(v)
      if (problem) throw new InvalidDataError(problem, path)
      return
    }
    default:
      throw new InvalidDataError(`${typeof v} is not a data model value`, path)
  }
}

/** Throws InvalidDataError unless `value` is valid atproto data (types, integers, $type, blobs). */
export function ensureValidData(value: unknown): asserts value is DataValue {
  walk(value, 0, [])
}

export function isValidData(value: unknown): value is DataValue {
  try {
    walk(value, 0, [])
    return true
  } catch (err) {
    if (err instanceof InvalidDataError) return false
    throw err
  }
}

// lexicon.md "blob" and data-model.md "blob Type": a `$type: "blob"` object with a CID `ref`, a
// `mimeType` and a `size`; the legacy `{cid, mimeType}` shape is still accepted (never written).
// What makes a well-formed blob is the data package's rule; this adds the schema's limits.
import { isBlobRef, isLegacyBlobRef } from '@welkin/data'
import { mimeMatches } from '../mime.js'
import { isPlainObject, own } from '../plain-object.js'
import type { LexBlob } from '../types.js'
import { describe, invalid } from './context.js'
import { assertData } from './data-errors.js'

export function validateBlob(schema: LexBlob, value: unknown, path: string): unknown {
  if (!isPlainObject(value)) return invalid(path, `must be a blob, not ${describe(value)}`)
  let mimeType: string
  let size: number | undefined
  if (isBlobRef(value)) {
    ;({ mimeType, size } = value)
  } else if (isLegacyBlobRef(value)) {
    mimeType = value.mimeType
    size = undefined // legacy references carry no size, so maxSize can not be checked
  } else if (own(value, '$type') === 'blob') {
    assertData(value, path)
    return invalid(path, 'is not a valid blob reference')
  } else {
    return invalid(path, 'must be a blob (an object with $type "blob", ref, mimeType and size)')
  }
  if (schema.accept && !schema.accept.some((pattern) => mimeMatches(pattern, mimeType)))
    invalid(`${path}/mimeType`, `"${mimeType}" is not accepted (${schema.accept.join(', ')})`)
  if (schema.maxSize !== undefined && size !== undefined && size > schema.maxSize)
    invalid(`${path}/size`, `${size} bytes is over the limit of ${schema.maxSize} bytes`)
  return value
}

// lexicon.md "unknown": any object, but still atproto data (data-model.md): no floats, no
// undefined holes, well-formed nested blobs. The top level must not itself be a blob or link.
import { isPlainObject, own } from '../plain-object.js'
import { describe, invalid } from './context.js'
import { assertData } from './data-errors.js'

export function validateUnknown(value: unknown, path: string): unknown {
  if (!isPlainObject(value)) return invalid(path, `must be an object, not ${describe(value)}`)
  if (own(value, '$type') === 'blob') invalid(path, 'must be an object, not a blob')
  if (Object.hasOwn(value, '$link') || Object.hasOwn(value, '$bytes'))
    invalid(path, 'must be an object, not a $link or $bytes JSON value')
  assertData(value, path)
  return value
}

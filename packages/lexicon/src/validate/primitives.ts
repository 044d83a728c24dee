// Concrete scalar types (lexicon.md, "boolean", "integer", "bytes", "cid-link").
import { CID } from '@welkin/data'
import type { LexBoolean, LexBytes, LexInteger } from '../types.js'
import { describe, invalid } from './context.js'

export function validateBoolean(schema: LexBoolean, value: unknown, path: string): boolean {
  if (typeof value !== 'boolean') return invalid(path, `must be a boolean, not ${describe(value)}`)
  if (schema.const !== undefined && value !== schema.const) invalid(path, `must be ${schema.const}`)
  return value
}

export function validateInteger(schema: LexInteger, value: unknown, path: string): number {
  if (!Number.isSafeInteger(value)) {
    return invalid(
      path,
      typeof value === 'number' ? 'must be an integer' : `must be an integer, not ${describe(value)}`,
    )
  }
  const n = value as number
  if (schema.const !== undefined && n !== schema.const) invalid(path, `must be ${schema.const}`)
  if (schema.enum && !schema.enum.includes(n)) invalid(path, `must be one of (${schema.enum.join('|')})`)
  if (schema.minimum !== undefined && n < schema.minimum)
    invalid(path, `can not be less than ${schema.minimum}`)
  if (schema.maximum !== undefined && n > schema.maximum)
    invalid(path, `can not be greater than ${schema.maximum}`)
  return n
}

export function validateBytes(schema: LexBytes, value: unknown, path: string): Uint8Array {
  if (!(value instanceof Uint8Array)) {
    if (isJsonForm(value, '$bytes'))
      invalid(path, 'must be bytes: convert {$bytes} JSON with jsonToData first')
    return invalid(path, `must be bytes, not ${describe(value)}`)
  }
  if (schema.minLength !== undefined && value.byteLength < schema.minLength)
    invalid(path, `must not be shorter than ${schema.minLength} bytes`)
  if (schema.maxLength !== undefined && value.byteLength > schema.maxLength)
    invalid(path, `must not be longer than ${schema.maxLength} bytes`)
  return value
}

export function validateCidLink(value: unknown, path: string): CID {
  // The value is returned as given, so validation never rewrites record data.
  if (CID.asCID(value)) return value as CID
  if (isJsonForm(value, '$link')) invalid(path, 'must be a CID: convert {$link} JSON with jsonToData first')
  return invalid(path, `must be a CID link, not ${describe(value)}`)
}

/** Unconverted atproto-JSON (`{$link}` / `{$bytes}`) is a caller mistake worth naming. */
function isJsonForm(value: unknown, key: string): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.keys(value).length === 1 &&
    Object.hasOwn(value, key)
  )
}

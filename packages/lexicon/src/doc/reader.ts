// Small typed accessors for walking an untrusted lexicon document. Each one names the field it
// rejects, so a bad document is reported as `defs/main/record/properties/text/maxLength: ...`.
import { LexiconDocError } from '../errors.js'
import { isPlainObject, own } from '../plain-object.js'

export type JsonObject = Record<string, unknown>

export function fail(path: string, reason: string): never {
  throw new LexiconDocError(path, reason)
}

export function at(path: string, key: string | number): string {
  return path === '' ? String(key) : `${path}/${key}`
}

export function asObject(v: unknown, path: string): JsonObject {
  if (!isPlainObject(v)) fail(path, 'must be an object')
  return v
}

export const field: (o: JsonObject, key: string) => unknown = own

export function optString(o: JsonObject, key: string, path: string): string | undefined {
  const v = field(o, key)
  if (v !== undefined && typeof v !== 'string') fail(at(path, key), 'must be a string')
  return v
}

export function reqString(o: JsonObject, key: string, path: string): string {
  const v = optString(o, key, path)
  if (v === undefined) fail(at(path, key), 'is required')
  return v
}

export function optBoolean(o: JsonObject, key: string, path: string): boolean | undefined {
  const v = field(o, key)
  if (v !== undefined && typeof v !== 'boolean') fail(at(path, key), 'must be a boolean')
  return v
}

export function optInteger(o: JsonObject, key: string, path: string): number | undefined {
  const v = field(o, key)
  if (v !== undefined && !Number.isSafeInteger(v)) fail(at(path, key), 'must be an integer')
  return v as number | undefined
}

/** A length or size: a non-negative integer. */
export function optCount(o: JsonObject, key: string, path: string): number | undefined {
  const v = optInteger(o, key, path)
  if (v !== undefined && v < 0) fail(at(path, key), 'must not be negative')
  return v
}

export function optArray(o: JsonObject, key: string, path: string): unknown[] | undefined {
  const v = field(o, key)
  if (v !== undefined && !Array.isArray(v)) fail(at(path, key), 'must be an array')
  return v
}

export function optStringArray(o: JsonObject, key: string, path: string): string[] | undefined {
  const arr = optArray(o, key, path)
  arr?.forEach((item, i) => {
    if (typeof item !== 'string') fail(at(at(path, key), i), 'must be a string')
  })
  return arr as string[] | undefined
}

export function optIntegerArray(o: JsonObject, key: string, path: string): number[] | undefined {
  const arr = optArray(o, key, path)
  arr?.forEach((item, i) => {
    if (!Number.isSafeInteger(item)) fail(at(at(path, key), i), 'must be an integer')
  })
  return arr as number[] | undefined
}

export function checkRange(min: number | undefined, max: number | undefined, what: string, path: string) {
  if (min !== undefined && max !== undefined && min > max) fail(path, `min${what} is greater than max${what}`)
}

/** Copies the fields that are present, so parsed schemas carry no `undefined` keys. */
export function defined<T extends object>(o: T): T {
  for (const key of Object.keys(o) as (keyof T)[]) if (o[key] === undefined) delete o[key]
  return o
}

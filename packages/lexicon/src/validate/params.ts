// XRPC query parameters (xrpc.md "Lexicon HTTP Endpoints", lexicon.md "params"). Values arrive as
// strings; integers and booleans are parsed per the schema, a repeated name makes an array, and
// absent parameters take their `default`. Parameters the schema does not name pass through.
import type { LexParams, LexPrimitive } from '../types.js'
import { describe, invalid } from './context.js'
import { validateBoolean, validateInteger } from './primitives.js'
import { validateString } from './string.js'

export type XrpcParamValue = string | number | boolean | Array<string | number | boolean>
export type XrpcParams = Record<string, XrpcParamValue>
/** What a query string parser gives: one string, or several for a repeated name. */
export type RawXrpcParams = URLSearchParams | Record<string, unknown>

const INTEGER = /^-?\d+$/

function coerce(schema: LexPrimitive, raw: unknown, path: string): string | number | boolean {
  if (typeof raw === 'string') {
    if (schema.type === 'integer') {
      if (!INTEGER.test(raw)) return invalid(path, `must be an integer, not "${raw}"`)
      return validateInteger(schema, Number(raw), path)
    }
    if (schema.type === 'boolean') {
      if (raw !== 'true' && raw !== 'false') return invalid(path, `must be "true" or "false", not "${raw}"`)
      return validateBoolean(schema, raw === 'true', path)
    }
    return validateString(schema, raw, path)
  }
  if (schema.type === 'integer') return validateInteger(schema, raw, path)
  if (schema.type === 'boolean') return validateBoolean(schema, raw, path)
  return validateString(schema, raw, path)
}

function readAll(input: RawXrpcParams): Record<string, unknown> {
  if (!(input instanceof URLSearchParams)) return input
  const out: Record<string, unknown> = {}
  for (const key of new Set(input.keys())) {
    const values = input.getAll(key)
    out[key] = values.length === 1 ? values[0] : values
  }
  return out
}

export function validateParams(
  schema: LexParams | undefined,
  input: RawXrpcParams,
  path = 'Params',
): XrpcParams {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    return invalid(path, `must be an object, not ${describe(input)}`)
  const raw = readAll(input)
  const out: XrpcParams = {}
  for (const [key, value] of Object.entries(raw)) {
    if (value !== undefined) out[key] = value as XrpcParamValue
  }
  if (!schema) return out
  const required = new Set(schema.required)
  for (const [key, prop] of Object.entries(schema.properties)) {
    const value = Object.hasOwn(raw, key) ? raw[key] : undefined
    const p = `${path}/${key}`
    if (value === undefined) {
      const dflt = prop.type === 'array' ? undefined : prop.default
      if (dflt !== undefined) out[key] = dflt
      else if (required.has(key)) invalid(path, `must have the property "${key}"`)
      continue
    }
    if (prop.type === 'array') {
      const list = Array.isArray(value) ? value : [value]
      if (prop.minLength !== undefined && list.length < prop.minLength)
        invalid(p, `must not have fewer than ${prop.minLength} elements`)
      if (prop.maxLength !== undefined && list.length > prop.maxLength)
        invalid(p, `must not have more than ${prop.maxLength} elements`)
      out[key] = list.map((item, i) => coerce(prop.items, item, `${p}/${i}`))
    } else {
      if (Array.isArray(value)) {
        if (value.length !== 1) invalid(p, 'must be given once, not repeated')
        out[key] = coerce(prop, value[0], p)
      } else out[key] = coerce(prop, value, p)
    }
  }
  return out
}

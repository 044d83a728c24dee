// Walks data against a schema node. Validators throw ValidationError on the first problem and
// return the value; with `applyDefaults` an object missing a defaulted property comes back as a
// copy with the default filled in, otherwise the input itself is returned untouched.
import { LexiconDefTypeError } from '../errors.js'
import { isPlainObject, own } from '../plain-object.js'
import type { LexArray, LexDef, LexObject, LexRecord, LexUnion } from '../types.js'
import { validateBlob } from './blob.js'
import { describe, invalid, type ValidationContext } from './context.js'
import { validateBoolean, validateBytes, validateCidLink, validateInteger } from './primitives.js'
import { validateString } from './string.js'
import { validateUnknown } from './unknown.js'

/** A node reachable from data: any def or field schema (tokens and primaries are rejected). */
type Schema = LexDef | LexObject['properties'][string]

export function validateValue(
  ctx: ValidationContext,
  schema: Schema,
  value: unknown,
  path: string,
  depth: number,
): unknown {
  if (depth > ctx.maxDepth) invalid(path, `is nested more than ${ctx.maxDepth} levels deep`)
  switch (schema.type) {
    case 'null':
      return value === null ? null : invalid(path, `must be null, not ${describe(value)}`)
    case 'boolean':
      return validateBoolean(schema, value, path)
    case 'integer':
      return validateInteger(schema, value, path)
    case 'string':
      return validateString(schema, value, path)
    case 'bytes':
      return validateBytes(schema, value, path)
    case 'cid-link':
      return validateCidLink(value, path)
    case 'blob':
      return validateBlob(schema, value, path)
    case 'unknown':
      return validateUnknown(value, path)
    case 'array':
      return validateArray(ctx, schema, value, path, depth)
    case 'object':
      return validateObject(ctx, schema, value, path, depth)
    case 'ref':
      return validateRef(ctx, schema.ref, value, path, depth)
    case 'union':
      return validateUnion(ctx, schema, value, path, depth)
    case 'record':
      return validateRecordBody(ctx, schema, undefined, value, path, depth)
    default:
      throw new LexiconDefTypeError(path, schema.type, ['a data type'])
  }
}

function validateArray(
  ctx: ValidationContext,
  schema: LexArray,
  value: unknown,
  path: string,
  depth: number,
) {
  if (!Array.isArray(value)) return invalid(path, `must be an array, not ${describe(value)}`)
  if (schema.minLength !== undefined && value.length < schema.minLength)
    invalid(path, `must not have fewer than ${schema.minLength} elements`)
  if (schema.maxLength !== undefined && value.length > schema.maxLength)
    invalid(path, `must not have more than ${schema.maxLength} elements`)
  let out: unknown[] = value
  for (let i = 0; i < value.length; i++) {
    const item = validateValue(ctx, schema.items, value[i], `${path}/${i}`, depth + 1)
    if (item !== value[i]) {
      if (out === value) out = value.slice()
      out[i] = item
    }
  }
  return out
}

interface PropertySets {
  required: ReadonlySet<string>
  nullable: ReadonlySet<string>
}
const propertySets = new WeakMap<LexObject, PropertySets>()

function setsOf(schema: LexObject): PropertySets {
  let sets = propertySets.get(schema)
  if (!sets) {
    sets = { required: new Set(schema.required), nullable: new Set(schema.nullable) }
    propertySets.set(schema, sets)
  }
  return sets
}

export function validateObject(
  ctx: ValidationContext,
  schema: LexObject,
  value: unknown,
  path: string,
  depth: number,
): Record<string, unknown> {
  if (!isPlainObject(value)) return invalid(path, `must be an object, not ${describe(value)}`)
  const { required, nullable } = setsOf(schema)
  let out = value
  for (const key in schema.properties) {
    const propSchema = schema.properties[key]
    const item = own(value, key)
    const itemPath = `${path}/${key}`
    if (item === undefined) {
      if (required.has(key)) invalid(path, `must have the property "${key}"`)
      const dflt = ctx.applyDefaults ? defaultOf(ctx, propSchema) : undefined
      if (dflt !== undefined) {
        if (out === value) out = { ...value }
        out[key] = dflt
      }
      continue
    }
    if (item === null && nullable.has(key)) continue
    if (item === null && propSchema.type !== 'null' && propSchema.type !== 'ref')
      invalid(itemPath, 'must not be null')
    const checked = validateValue(ctx, propSchema, item, itemPath, depth + 1)
    if (checked !== item) {
      if (out === value) out = { ...value }
      out[key] = checked
    }
  }
  return out
}

function defaultOf(ctx: ValidationContext, schema: Schema): unknown {
  const target = schema.type === 'ref' ? ctx.resolve(schema.ref) : schema
  return 'default' in target ? target.default : undefined
}

function validateRef(
  ctx: ValidationContext,
  ref: string,
  value: unknown,
  path: string,
  depth: number,
): unknown {
  const target = ctx.resolve(ref)
  if (target.type === 'record') return validateRecordBody(ctx, target, ref, value, path, depth)
  if (target.type === 'token' || isPrimary(target))
    throw new LexiconDefTypeError(ref, target.type, ['a data type (a ref can not point at it)'])
  return validateValue(ctx, target, value, path, depth)
}

function isPrimary(def: LexDef): boolean {
  return (
    def.type === 'query' ||
    def.type === 'procedure' ||
    def.type === 'subscription' ||
    def.type === 'permission-set'
  )
}

/**
 * lexicon.md "union": variants must carry `$type`; open unions let unknown `$type`s through,
 * closed ones do not. A `#main` suffix is never valid in a `$type`.
 */
export function validateUnion(
  ctx: ValidationContext,
  schema: LexUnion,
  value: unknown,
  path: string,
  depth: number,
  impliedType?: string,
): unknown {
  if (!isPlainObject(value)) return invalid(path, `must be an object, not ${describe(value)}`)
  const type = impliedType ?? own(value, '$type')
  if (typeof type !== 'string' || type === '')
    return invalid(path, 'must be an object which includes the "$type" property')
  if (type.endsWith('#main')) invalid(`${path}/$type`, `"${type}" must be written without "#main"`)
  if (!schema.refs.includes(type)) {
    if (!schema.closed) return value
    return invalid(`${path}/$type`, `"${type}" must be one of ${schema.refs.join(', ')}`)
  }
  const target = ctx.resolve(type)
  if (target.type === 'record') return validateRecordBody(ctx, target, type, value, path, depth)
  if (target.type !== 'object')
    throw new LexiconDefTypeError(type, target.type, ['object', 'record (a union variant)'])
  return validateObject(ctx, target, value, path, depth)
}

/** A record's data: its object schema, plus the `$type` every record carries (lexicon.md, "When to use $type"). */
export function validateRecordBody(
  ctx: ValidationContext,
  def: LexRecord,
  nsid: string | undefined,
  value: unknown,
  path: string,
  depth: number,
): Record<string, unknown> {
  if (!isPlainObject(value)) return invalid(path, `must be an object, not ${describe(value)}`)
  const type = own(value, '$type')
  if (typeof type !== 'string') invalid(path, 'must have a "$type" string property')
  if (nsid !== undefined && type !== nsid) invalid(`${path}/$type`, `must be "${nsid}", not "${type}"`)
  return validateObject(ctx, def.record, value, path, depth)
}

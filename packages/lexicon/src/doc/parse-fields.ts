// Field type definitions (lexicon.md, "Field Type Definitions"): each parser checks one schema
// node of an untrusted document and returns a clean copy with absolute refs.
import { isValidMimePattern } from '../mime.js'
import {
  type LexArray,
  type LexBlob,
  type LexBoolean,
  type LexBytes,
  type LexInteger,
  type LexObject,
  type LexParams,
  type LexRef,
  type LexString,
  type LexUnion,
  type LexValueType,
  STRING_FORMATS,
  type StringFormat,
} from '../types.js'
import {
  asObject,
  at,
  checkRange,
  defined,
  fail,
  field,
  type JsonObject,
  optBoolean,
  optCount,
  optInteger,
  optIntegerArray,
  optString,
  optStringArray,
  reqString,
} from './reader.js'
import { normalizeRef } from './refs.js'

export interface ParseContext {
  /** NSID of the document, to make local refs absolute. */
  id: string
}

// Inline objects and arrays nest; an untrusted document must not be able to exhaust the stack.
const MAX_NESTING = 32

export const VALUE_TYPES: ReadonlySet<string> = new Set([
  'null',
  'boolean',
  'integer',
  'string',
  'bytes',
  'cid-link',
  'blob',
  'array',
  'object',
  'ref',
  'union',
  'unknown',
])
const PARAM_TYPES: ReadonlySet<string> = new Set(['boolean', 'integer', 'string', 'array'])
const PARAM_ITEM_TYPES: ReadonlySet<string> = new Set(['boolean', 'integer', 'string'])

function typeOf(o: JsonObject, path: string): string {
  return reqString(o, 'type', path)
}

/** A schema for a value: an object property, an array's items, or a non-primary named def. */
export function parseValueType(
  v: unknown,
  path: string,
  ctx: ParseContext,
  allowed: ReadonlySet<string> = VALUE_TYPES,
  depth = 0,
): LexValueType {
  if (depth > MAX_NESTING) fail(path, `schema is nested more than ${MAX_NESTING} levels deep`)
  const o = asObject(v, path)
  const type = typeOf(o, path)
  if (!allowed.has(type)) fail(at(path, 'type'), `type "${type}" is not allowed here`)
  const description = optString(o, 'description', path)
  switch (type) {
    case 'null':
    case 'cid-link':
    case 'unknown':
      return defined({ type, description })
    case 'boolean':
      return parseBoolean(o, path)
    case 'integer':
      return parseInteger(o, path)
    case 'string':
      return parseString(o, path)
    case 'bytes':
      return defined<LexBytes>({ type, description, ...lengths(o, path, 'Length') })
    case 'blob':
      return parseBlob(o, path)
    case 'array':
      return parseArray(o, path, ctx, VALUE_TYPES, depth)
    case 'object':
      return parseObject(o, path, ctx, depth)
    case 'ref':
      return defined<LexRef>({
        type,
        description,
        ref: normalizeRef(reqString(o, 'ref', path), ctx.id, at(path, 'ref')),
      })
    case 'union':
      return parseUnion(o, path, ctx)
    default:
      return fail(at(path, 'type'), `unknown type "${type}"`)
  }
}

function lengths(o: JsonObject, path: string, what: 'Length' | 'Graphemes') {
  const min = optCount(o, `min${what}`, path)
  const max = optCount(o, `max${what}`, path)
  checkRange(min, max, what, path)
  return { [`min${what}`]: min, [`max${what}`]: max }
}

function constOrDefault<T>(path: string, read: (key: string) => T | undefined) {
  const dflt = read('default')
  const cnst = read('const')
  if (dflt !== undefined && cnst !== undefined) fail(path, '"const" and "default" are mutually exclusive')
  return { default: dflt, const: cnst }
}

function parseBoolean(o: JsonObject, path: string): LexBoolean {
  const description = optString(o, 'description', path)
  return defined<LexBoolean>({
    type: 'boolean',
    description,
    ...constOrDefault(path, (k) => optBoolean(o, k, path)),
  })
}

function parseInteger(o: JsonObject, path: string): LexInteger {
  const minimum = optInteger(o, 'minimum', path)
  const maximum = optInteger(o, 'maximum', path)
  if (minimum !== undefined && maximum !== undefined && minimum > maximum)
    fail(path, 'minimum is greater than maximum')
  return defined<LexInteger>({
    type: 'integer',
    description: optString(o, 'description', path),
    minimum,
    maximum,
    enum: optIntegerArray(o, 'enum', path),
    ...constOrDefault(path, (k) => optInteger(o, k, path)),
  })
}

function parseString(o: JsonObject, path: string): LexString {
  const format = optString(o, 'format', path)
  if (format !== undefined && !(STRING_FORMATS as readonly string[]).includes(format))
    fail(at(path, 'format'), `unknown string format "${format}"`)
  return defined<LexString>({
    type: 'string',
    description: optString(o, 'description', path),
    format: format as StringFormat | undefined,
    ...lengths(o, path, 'Length'),
    ...lengths(o, path, 'Graphemes'),
    knownValues: optStringArray(o, 'knownValues', path),
    enum: optStringArray(o, 'enum', path),
    ...constOrDefault(path, (k) => optString(o, k, path)),
  })
}

function parseBlob(o: JsonObject, path: string): LexBlob {
  const accept = optStringArray(o, 'accept', path)
  accept?.forEach((pattern, i) => {
    if (!isValidMimePattern(pattern))
      fail(at(at(path, 'accept'), i), `"${pattern}" is not a MIME type pattern`)
  })
  return defined<LexBlob>({
    type: 'blob',
    description: optString(o, 'description', path),
    accept,
    maxSize: optCount(o, 'maxSize', path),
  })
}

export function parseArray(
  o: JsonObject,
  path: string,
  ctx: ParseContext,
  itemTypes: ReadonlySet<string>,
  depth: number,
): LexArray {
  const items = field(o, 'items')
  if (items === undefined) fail(at(path, 'items'), 'is required')
  return defined<LexArray>({
    type: 'array',
    description: optString(o, 'description', path),
    items: parseValueType(items, at(path, 'items'), ctx, itemTypes, depth + 1),
    ...lengths(o, path, 'Length'),
  })
}

function parseUnion(o: JsonObject, path: string, ctx: ParseContext): LexUnion {
  const refs = optStringArray(o, 'refs', path)
  if (refs === undefined) fail(at(path, 'refs'), 'is required')
  const closed = optBoolean(o, 'closed', path)
  if (closed && refs.length === 0) fail(at(path, 'refs'), 'a closed union must list at least one ref')
  const absolute = refs.map((ref, i) => normalizeRef(ref, ctx.id, at(at(path, 'refs'), i)))
  return defined<LexUnion>({
    type: 'union',
    description: optString(o, 'description', path),
    refs: [...new Set(absolute)],
    closed,
  })
}

/** `required` and `nullable` name properties; a name the schema does not define is a typo. */
function propertyNames(o: JsonObject, key: string, path: string, properties: object): string[] | undefined {
  const names = optStringArray(o, key, path)
  names?.forEach((name, i) => {
    if (!Object.hasOwn(properties, name)) fail(at(at(path, key), i), `"${name}" is not a defined property`)
  })
  return names
}

function parseProperties<T>(
  o: JsonObject,
  path: string,
  parse: (v: unknown, path: string) => T,
): Record<string, T> {
  const raw = asObject(
    field(o, 'properties') ?? fail(at(path, 'properties'), 'is required'),
    at(path, 'properties'),
  )
  const out: Record<string, T> = {}
  for (const [name, schema] of Object.entries(raw)) {
    if (name === '') fail(at(path, 'properties'), 'a property name must not be empty')
    // Assigning it would replace the prototype of the parsed schema instead of adding a property.
    if (name === '__proto__') fail(at(at(path, 'properties'), name), 'is not a usable property name')
    out[name] = parse(schema, at(at(path, 'properties'), name))
  }
  return out
}

export function parseObject(o: JsonObject, path: string, ctx: ParseContext, depth: number): LexObject {
  const properties = parseProperties(o, path, (v, p) => parseValueType(v, p, ctx, VALUE_TYPES, depth + 1))
  return defined<LexObject>({
    type: 'object',
    description: optString(o, 'description', path),
    properties,
    required: propertyNames(o, 'required', path, properties),
    nullable: propertyNames(o, 'nullable', path, properties),
  })
}

/** HTTP query parameters (lexicon.md, "params"): primitives, or arrays of primitives. */
export function parseParams(v: unknown, path: string, ctx: ParseContext): LexParams {
  const o = asObject(v, path)
  if (typeOf(o, path) !== 'params') fail(at(path, 'type'), 'must be "params"')
  const properties = parseProperties(o, path, (schema, p) => {
    const s = asObject(schema, p)
    if (typeOf(s, p) === 'array') return parseArray(s, p, ctx, PARAM_ITEM_TYPES, 0)
    return parseValueType(s, p, ctx, PARAM_TYPES)
  }) as LexParams['properties']
  return defined<LexParams>({
    type: 'params',
    description: optString(o, 'description', path),
    properties,
    required: propertyNames(o, 'required', path, properties),
  })
}

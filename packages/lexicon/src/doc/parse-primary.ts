// Primary definitions (lexicon.md, "Primary Type Definitions"): record, query, procedure,
// subscription and permission-set. Only `main` may hold one.
import { isValidRecordKey } from '@welkin/syntax'
import type {
  LexPrimaryDef,
  LexProcedure,
  LexQuery,
  LexRecord,
  LexSubscription,
  LexUnion,
  LexXrpcBody,
  LexXrpcError,
} from '../types.js'
import { type ParseContext, parseObject, parseParams, parseValueType } from './parse-fields.js'
import { parsePermissionSet } from './parse-permission.js'
import {
  asObject,
  at,
  defined,
  fail,
  field,
  type JsonObject,
  optArray,
  optString,
  reqString,
} from './reader.js'

export const PRIMARY_TYPES: ReadonlySet<string> = new Set([
  'record',
  'query',
  'procedure',
  'subscription',
  'permission-set',
])
const BODY_SCHEMA_TYPES: ReadonlySet<string> = new Set(['object', 'ref', 'union'])
const UNION_ONLY: ReadonlySet<string> = new Set(['union'])

export function parsePrimary(o: JsonObject, type: string, path: string, ctx: ParseContext): LexPrimaryDef {
  switch (type) {
    case 'record':
      return parseRecord(o, path, ctx)
    case 'query':
    case 'procedure':
      return parseMethod(o, type, path, ctx)
    case 'subscription':
      return parseSubscription(o, path, ctx)
    case 'permission-set':
      return parsePermissionSet(o, path)
    default:
      return fail(at(path, 'type'), `unknown primary type "${type}"`)
  }
}

// record-key.md, "Record Key Types".
function isValidKeyType(key: string): boolean {
  if (key === 'tid' || key === 'nsid' || key === 'any') return true
  return key.startsWith('literal:') && isValidRecordKey(key.slice('literal:'.length))
}

function parseRecord(o: JsonObject, path: string, ctx: ParseContext): LexRecord {
  const key = reqString(o, 'key', path)
  if (!isValidKeyType(key))
    fail(at(path, 'key'), `"${key}" is not a record key type (tid, nsid, any, literal:<key>)`)
  const record = asObject(field(o, 'record') ?? fail(at(path, 'record'), 'is required'), at(path, 'record'))
  if (field(record, 'type') !== 'object') fail(at(at(path, 'record'), 'type'), 'must be "object"')
  return defined<LexRecord>({
    type: 'record',
    description: optString(o, 'description', path),
    key,
    record: parseObject(record, at(path, 'record'), ctx, 0),
  })
}

function parseBody(v: unknown, path: string, ctx: ParseContext): LexXrpcBody | undefined {
  if (v === undefined) return undefined
  const o = asObject(v, path)
  const encoding = reqString(o, 'encoding', path)
  if (encoding.trim() === '') fail(at(path, 'encoding'), 'must not be empty')
  const schema = field(o, 'schema')
  return defined<LexXrpcBody>({
    description: optString(o, 'description', path),
    encoding,
    schema:
      schema === undefined
        ? undefined
        : (parseValueType(schema, at(path, 'schema'), ctx, BODY_SCHEMA_TYPES) as LexXrpcBody['schema']),
  })
}

function parseErrors(o: JsonObject, path: string): LexXrpcError[] | undefined {
  return optArray(o, 'errors', path)?.map((v, i) => {
    const p = at(at(path, 'errors'), i)
    const e = asObject(v, p)
    const name = reqString(e, 'name', p)
    if (name === '' || /\s/.test(name)) fail(at(p, 'name'), 'must be a non-empty name without whitespace')
    return defined<LexXrpcError>({ name, description: optString(e, 'description', p) })
  })
}

function parseMethod(
  o: JsonObject,
  type: 'query' | 'procedure',
  path: string,
  ctx: ParseContext,
): LexQuery | LexProcedure {
  if (type === 'query' && field(o, 'input') !== undefined) fail(at(path, 'input'), 'a query takes no input')
  const parameters = field(o, 'parameters')
  return defined<LexQuery | LexProcedure>({
    type,
    description: optString(o, 'description', path),
    parameters: parameters === undefined ? undefined : parseParams(parameters, at(path, 'parameters'), ctx),
    input: type === 'procedure' ? parseBody(field(o, 'input'), at(path, 'input'), ctx) : undefined,
    output: parseBody(field(o, 'output'), at(path, 'output'), ctx),
    errors: parseErrors(o, path),
  })
}

function parseSubscription(o: JsonObject, path: string, ctx: ParseContext): LexSubscription {
  const parameters = field(o, 'parameters')
  const mp = at(path, 'message')
  const message = asObject(field(o, 'message') ?? fail(mp, 'is required'), mp)
  const schema = field(message, 'schema') ?? fail(at(mp, 'schema'), 'is required')
  return defined<LexSubscription>({
    type: 'subscription',
    description: optString(o, 'description', path),
    parameters: parameters === undefined ? undefined : parseParams(parameters, at(path, 'parameters'), ctx),
    message: defined({
      description: optString(message, 'description', mp),
      schema: parseValueType(schema, at(mp, 'schema'), ctx, UNION_ONLY) as LexUnion,
    }),
    errors: parseErrors(o, path),
  })
}

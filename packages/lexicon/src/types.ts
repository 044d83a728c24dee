// Shapes of lexicon documents after `parseLexiconDoc` (lexicon.md). They mirror the JSON, except
// that every `ref`/`refs` string is absolute: local `#name` refs carry their document's NSID and a
// `#main` suffix is dropped, so a ref reads exactly like the `$type` of the data it describes.

export const STRING_FORMATS = [
  'at-identifier',
  'at-uri',
  'cid',
  'datetime',
  'did',
  'handle',
  'nsid',
  'tid',
  'record-key',
  'uri',
  'language',
] as const
export type StringFormat = (typeof STRING_FORMATS)[number]

interface Described {
  description?: string
}

export interface LexNull extends Described {
  type: 'null'
}
export interface LexBoolean extends Described {
  type: 'boolean'
  default?: boolean
  const?: boolean
}
export interface LexInteger extends Described {
  type: 'integer'
  minimum?: number
  maximum?: number
  enum?: number[]
  default?: number
  const?: number
}
export interface LexString extends Described {
  type: 'string'
  format?: StringFormat
  minLength?: number
  maxLength?: number
  minGraphemes?: number
  maxGraphemes?: number
  knownValues?: string[]
  enum?: string[]
  default?: string
  const?: string
}
export interface LexBytes extends Described {
  type: 'bytes'
  minLength?: number
  maxLength?: number
}
export interface LexCidLink extends Described {
  type: 'cid-link'
}
export interface LexBlob extends Described {
  type: 'blob'
  accept?: string[]
  maxSize?: number
}
export interface LexUnknown extends Described {
  type: 'unknown'
}
export interface LexToken extends Described {
  type: 'token'
}
export interface LexRef extends Described {
  type: 'ref'
  ref: string
}
export interface LexUnion extends Described {
  type: 'union'
  refs: string[]
  closed?: boolean
}
export interface LexArray extends Described {
  type: 'array'
  items: LexValueType
  minLength?: number
  maxLength?: number
}
export interface LexObject extends Described {
  type: 'object'
  properties: Record<string, LexValueType>
  required?: string[]
  nullable?: string[]
}

export type LexPrimitive = LexBoolean | LexInteger | LexString
export type LexParamType = LexPrimitive | (LexArray & { items: LexPrimitive })
export interface LexParams extends Described {
  type: 'params'
  properties: Record<string, LexParamType>
  required?: string[]
}

/** Anything that may describe a value inside data: an object property or array item. */
export type LexValueType =
  | LexNull
  | LexPrimitive
  | LexBytes
  | LexCidLink
  | LexBlob
  | LexArray
  | LexObject
  | LexRef
  | LexUnion
  | LexUnknown

export interface LexXrpcBody extends Described {
  encoding: string
  schema?: LexObject | LexRef | LexUnion
}
export interface LexXrpcError extends Described {
  name: string
}
export interface LexQuery extends Described {
  type: 'query'
  parameters?: LexParams
  output?: LexXrpcBody
  errors?: LexXrpcError[]
}
export interface LexProcedure extends Described {
  type: 'procedure'
  parameters?: LexParams
  input?: LexXrpcBody
  output?: LexXrpcBody
  errors?: LexXrpcError[]
}
export interface LexSubscription extends Described {
  type: 'subscription'
  parameters?: LexParams
  message: Described & { schema: LexUnion }
  errors?: LexXrpcError[]
}
export interface LexRecord extends Described {
  type: 'record'
  /** `tid`, `nsid`, `any` or `literal:<rkey>` (record-key.md). */
  key: string
  record: LexObject
}
export interface LexPermission extends Described {
  type: 'permission'
  resource: string
  [field: string]: unknown
}
export interface LexPermissionSet extends Described {
  type: 'permission-set'
  title?: string
  'title:lang'?: Record<string, string>
  detail?: string
  'detail:lang'?: Record<string, string>
  permissions: LexPermission[]
}

export type LexPrimaryDef = LexRecord | LexQuery | LexProcedure | LexSubscription | LexPermissionSet
export type LexXrpcDef = LexQuery | LexProcedure | LexSubscription
/** What may stand under a name in `defs`. */
export type LexDef =
  | LexPrimaryDef
  | LexNull
  | LexPrimitive
  | LexBytes
  | LexCidLink
  | LexBlob
  | LexArray
  | LexObject
  | LexToken
export type LexDefType = LexDef['type']

export interface LexiconDoc extends Described {
  lexicon: 1
  id: string
  revision?: number
  defs: Record<string, LexDef>
}

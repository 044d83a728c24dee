// A lexicon file (lexicon.md, "Lexicon Files"): checks the whole document and returns a clean
// copy with absolute refs, or throws LexiconDocError naming the document and the bad field.
import { isValidNsid } from '@welkin/syntax'
import { LexiconDocError } from '../errors.js'
import type { LexDef, LexiconDoc, LexToken } from '../types.js'
import { type ParseContext, parseValueType } from './parse-fields.js'
import { PRIMARY_TYPES, parsePrimary } from './parse-primary.js'
import { asObject, at, defined, fail, field, optCount, optString, reqString } from './reader.js'
import { isValidDefName } from './refs.js'

// lexicon.md: sub-types, `unknown`, `ref` and `union` can not be named definitions.
const NAMED_TYPES: ReadonlySet<string> = new Set([
  'null',
  'boolean',
  'integer',
  'string',
  'bytes',
  'cid-link',
  'blob',
  'array',
  'object',
])

function parseDef(name: string, v: unknown, path: string, ctx: ParseContext): LexDef {
  const o = asObject(v, path)
  const type = reqString(o, 'type', path)
  if (PRIMARY_TYPES.has(type)) {
    if (name !== 'main') fail(at(path, 'type'), `primary type "${type}" may only be the "main" definition`)
    return parsePrimary(o, type, path, ctx)
  }
  if (type === 'token') return defined<LexToken>({ type, description: optString(o, 'description', path) })
  if (!NAMED_TYPES.has(type)) fail(at(path, 'type'), `type "${type}" can not be a named definition`)
  return parseValueType(o, path, ctx, NAMED_TYPES) as LexDef
}

function parse(input: unknown): LexiconDoc {
  const o = asObject(input, '')
  if (field(o, 'lexicon') !== 1) fail('lexicon', 'must be the integer 1')
  const id = reqString(o, 'id', '')
  if (!isValidNsid(id)) fail('id', `"${id}" is not a valid NSID`)
  const rawDefs = asObject(field(o, 'defs') ?? fail('defs', 'is required'), 'defs')
  const names = Object.keys(rawDefs)
  if (names.length === 0) fail('defs', 'a lexicon needs at least one definition')
  const ctx: ParseContext = { id }
  const defs: Record<string, LexDef> = {}
  for (const name of names) {
    const path = at('defs', name)
    if (!isValidDefName(name)) fail(path, `"${name}" is not a valid definition name`)
    defs[name] = parseDef(name, rawDefs[name], path, ctx)
  }
  return defined<LexiconDoc>({
    lexicon: 1,
    id,
    revision: optCount(o, 'revision', ''),
    description: optString(o, 'description', ''),
    defs,
  })
}

/** Checks an untrusted lexicon document; throws LexiconDocError naming the bad field. */
export function parseLexiconDoc(input: unknown): LexiconDoc {
  try {
    return parse(input)
  } catch (err) {
    if (!(err instanceof LexiconDocError) || err.lexiconId !== undefined) throw err
    const o = input as { id?: unknown } | null
    const id = typeof o?.id === 'string' ? o.id : undefined
    throw new LexiconDocError(err.path, err.reason, id)
  }
}

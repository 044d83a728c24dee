// permission-set and permission (lexicon.md, "Permission Set", "permission"). The fields of known
// resources are type-checked; unknown resources pass through, since services must ignore them.
import { isValidLanguage, isValidNsid } from '@welkin/syntax'
import type { LexPermission, LexPermissionSet } from '../types.js'
import {
  asObject,
  at,
  defined,
  fail,
  field,
  type JsonObject,
  optArray,
  optBoolean,
  optString,
  optStringArray,
  reqString,
} from './reader.js'

const REPO_ACTIONS = new Set(['create', 'update', 'delete'])

function langMap(o: JsonObject, key: string, path: string): Record<string, string> | undefined {
  const v = field(o, key)
  if (v === undefined) return undefined
  const map = asObject(v, at(path, key))
  for (const [lang, text] of Object.entries(map)) {
    if (!isValidLanguage(lang)) fail(at(at(path, key), lang), 'is not a language tag')
    if (typeof text !== 'string') fail(at(at(path, key), lang), 'must be a string')
  }
  return map as Record<string, string>
}

/** A non-empty list of NSIDs; `*` is tolerated as the permission spec gives it a meaning. */
function nsidList(o: JsonObject, key: string, path: string, required: boolean): string[] | undefined {
  const list = optStringArray(o, key, path)
  if (list === undefined) return required ? fail(at(path, key), 'is required') : undefined
  if (list.length === 0) fail(at(path, key), 'must not be empty')
  list.forEach((nsid, i) => {
    if (nsid !== '*' && !isValidNsid(nsid)) fail(at(at(path, key), i), `"${nsid}" is not an NSID`)
  })
  return list
}

function parsePermission(v: unknown, path: string): LexPermission {
  const o = asObject(v, path)
  if (field(o, 'type') !== 'permission') fail(at(path, 'type'), 'must be "permission"')
  const resource = reqString(o, 'resource', path)
  if (resource === '') fail(at(path, 'resource'), 'must not be empty')
  optString(o, 'description', path)
  if (resource === 'repo') {
    nsidList(o, 'collection', path, true)
    optStringArray(o, 'action', path)?.forEach((action, i) => {
      if (!REPO_ACTIONS.has(action))
        fail(at(at(path, 'action'), i), `"${action}" is not create, update or delete`)
    })
  } else if (resource === 'rpc') {
    nsidList(o, 'lxm', path, true)
    const aud = optString(o, 'aud', path)
    const inheritAud = optBoolean(o, 'inheritAud', path)
    if (aud === undefined && inheritAud !== true)
      fail(path, 'an rpc permission needs "aud" unless "inheritAud" is true')
  }
  return { ...o, type: 'permission', resource }
}

export function parsePermissionSet(o: JsonObject, path: string): LexPermissionSet {
  const permissions = optArray(o, 'permissions', path) ?? fail(at(path, 'permissions'), 'is required')
  return defined<LexPermissionSet>({
    type: 'permission-set',
    description: optString(o, 'description', path),
    title: optString(o, 'title', path),
    'title:lang': langMap(o, 'title:lang', path),
    detail: optString(o, 'detail', path),
    'detail:lang': langMap(o, 'detail:lang', path),
    permissions: permissions.map((p, i) => parsePermission(p, at(at(path, 'permissions'), i))),
  })
}

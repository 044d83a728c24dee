import { isValidNsid } from '@welkin/syntax'
import { fail } from './reader.js'

// Def names are not given a grammar by lexicon.md; this admits every official name and keeps
// names usable as URI fragments.
const DEF_NAME = /^[a-zA-Z][a-zA-Z0-9_-]{0,127}$/

export function isValidDefName(name: string): boolean {
  return DEF_NAME.test(name)
}

/**
 * Makes a ref absolute in the form a `$type` takes (lexicon.md, "Lexicon Files"): `#name` gains the
 * document's NSID, and `nsid#main` becomes `nsid`.
 */
export function normalizeRef(ref: string, docId: string, path: string): string {
  const hash = ref.indexOf('#')
  const nsid = hash === -1 ? ref : ref.slice(0, hash)
  const name = hash === -1 ? 'main' : ref.slice(hash + 1)
  if (nsid !== '' && !isValidNsid(nsid)) fail(path, `"${ref}" is not a valid reference: bad NSID`)
  if (!isValidDefName(name)) fail(path, `"${ref}" is not a valid reference: bad definition name`)
  const base = nsid === '' ? docId : nsid
  return name === 'main' ? base : `${base}#${name}`
}

/** Splits an absolute ref into its document NSID and definition name. */
export function splitRef(ref: string): { nsid: string; name: string } {
  const hash = ref.indexOf('#')
  return hash === -1 ? { nsid: ref, name: 'main' } : { nsid: ref.slice(0, hash), name: ref.slice(hash + 1) }
}

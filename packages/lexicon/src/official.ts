// The official atproto and Bluesky lexicons, as published in the pinned @atproto/api package.
// Loaded on first use (the module is close to a megabyte) and shared, sealed, afterwards.
import { createRequire } from 'node:module'
import { LexiconError } from './errors.js'
import { Lexicons } from './lexicons.js'

// The documents are exported as `schemas` by the package's generated client lexicons module.
const SCHEMAS_MODULE = '@atproto/api/dist/client/lexicons.js'
// The package also bundles third-party lexicons; only the official namespaces are taken.
export const OFFICIAL_NAMESPACES: readonly string[] = [
  'com.atproto.',
  'app.bsky.',
  'chat.bsky.',
  'tools.ozone.',
]
const LEX_PREFIX = 'lex:'

let cached: Lexicons | undefined

/**
 * That module registers its documents with @atproto/lexicon at import time, which rewrites them in
 * place: refs become `lex:nsid#name` URIs (also `#name` strings in arrays such as knownValues).
 * This copies a document back to plain lexicon form; `#name` refs come back absolute, which means
 * the same thing.
 */
export function unmangleRefs(node: unknown): unknown {
  if (typeof node === 'string') return node.startsWith(LEX_PREFIX) ? node.slice(LEX_PREFIX.length) : node
  if (Array.isArray(node)) return node.map(unmangleRefs)
  if (typeof node !== 'object' || node === null) return node
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(node)) {
    const isRef = key === 'ref' && (node as { type?: unknown }).type === 'ref'
    out[key] = typeof value === 'string' && !isRef ? value : unmangleRefs(value)
  }
  return out
}

/** The official lexicon documents, as published (not yet checked). */
export function officialLexiconDocs(): unknown[] {
  const require = createRequire(import.meta.url)
  const mod = require(SCHEMAS_MODULE) as { schemas?: unknown }
  if (!Array.isArray(mod.schemas)) throw new LexiconError(`${SCHEMAS_MODULE} does not export a schemas array`)
  return mod.schemas
    .filter((doc: { id?: unknown }) => {
      const id = doc?.id
      return typeof id === 'string' && OFFICIAL_NAMESPACES.some((ns) => id.startsWith(ns))
    })
    .map(unmangleRefs)
}

/** The official lexicon set. Shared and sealed: copy it with `new Lexicons(officialLexicons())` to extend it. */
export function officialLexicons(): Lexicons {
  cached ??= new Lexicons(officialLexiconDocs()).seal()
  return cached
}

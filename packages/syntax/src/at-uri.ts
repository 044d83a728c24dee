// AT URIs in the restricted form lexicons use (specs/at-uri-scheme.md, "Restricted AT URI
// Syntax"): at://AUTHORITY[/COLLECTION[/RKEY]], with no query, fragment or trailing slash.
import { atIdentifierProblem } from './at-identifier.js'
import { show } from './chars.js'
import { InvalidAtUriError } from './errors.js'
import { nsidProblem } from './nsid.js'
import { recordKeyProblem } from './record-key.js'

export const MAX_AT_URI_LENGTH = 8192

interface AtUriParts {
  authority: string
  collection?: string
  rkey?: string
}

function partsProblem(authority: string, collection?: string, rkey?: string): string | null {
  return (
    atIdentifierProblem(authority) ??
    (collection === undefined ? null : nsidProblem(collection)) ??
    (rkey === undefined ? null : recordKeyProblem(rkey))
  )
}

/** Splits an AT URI into its parts, or returns why it is not one. */
export function scanAtUri(s: string): AtUriParts | string {
  if (s.length > MAX_AT_URI_LENGTH)
    return `AT URI is too long (${s.length} > ${MAX_AT_URI_LENGTH} chars): ${show(s)}`
  if (!s.startsWith('at://')) return `AT URI must start with "at://": ${show(s)}`
  if (s.includes('?') || s.includes('#')) return `AT URI query and fragment parts are not allowed: ${show(s)}`
  const parts = s.slice(5).split('/', 4)
  if (parts.length > 3) return `AT URI path may hold at most a collection and a record key: ${show(s)}`
  if (parts.some((part) => part.length === 0))
    return `AT URI has an empty segment or trailing slash: ${show(s)}`
  const [authority, collection, rkey] = parts
  const problem = partsProblem(authority, collection, rkey)
  if (problem !== null) return `invalid AT URI ${show(s)}: ${problem}`
  return { authority, collection, rkey }
}

export function isValidAtUri(s: unknown): s is string {
  return typeof s === 'string' && typeof scanAtUri(s) !== 'string'
}

export function ensureValidAtUri(s: unknown): asserts s is string {
  AtUri.parse(s)
}

/** An immutable, validated AT URI. */
export class AtUri {
  readonly authority: string
  readonly collection?: string
  readonly rkey?: string

  private constructor(parts: AtUriParts) {
    this.authority = parts.authority
    if (parts.collection !== undefined) this.collection = parts.collection
    if (parts.rkey !== undefined) this.rkey = parts.rkey
  }

  /** Throws InvalidAtUriError, naming the part that is wrong. */
  static parse(s: unknown): AtUri {
    const parts = typeof s === 'string' ? scanAtUri(s) : `AT URI must be a string, got ${typeof s}`
    if (typeof parts === 'string') throw new InvalidAtUriError(parts)
    return new AtUri(parts)
  }

  /** Like parse, but null for an invalid URI: for hot paths where failure is expected. */
  static tryParse(s: string): AtUri | null {
    const parts = scanAtUri(s)
    return typeof parts === 'string' ? null : new AtUri(parts)
  }

  /** Builds a URI from its parts, validating each on its own (so no part can smuggle in a "/"). */
  static make(authority: string, collection?: string, rkey?: string): AtUri {
    if (rkey !== undefined && collection === undefined) {
      throw new InvalidAtUriError(`AT URI record key ${show(rkey)} given without a collection`)
    }
    const problem = partsProblem(authority, collection, rkey)
    if (problem !== null) throw new InvalidAtUriError(`cannot make an AT URI: ${problem}`)
    return new AtUri({ authority, collection, rkey })
  }

  toString(): string {
    let s = `at://${this.authority}`
    if (this.collection !== undefined) s += `/${this.collection}`
    if (this.rkey !== undefined) s += `/${this.rkey}`
    return s
  }

  toJSON(): string {
    return this.toString()
  }
}

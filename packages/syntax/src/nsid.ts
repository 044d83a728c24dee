// NSID syntax (specs/nsid.md, "NSID Syntax"): a reversed domain authority, then a name.
import { ALNUM, inSet, isDigit, notAString, show } from './chars.js'
import { MAX_LABEL_LENGTH, scanLabels } from './domain.js'
import { InvalidNsidError } from './errors.js'

export const MAX_NSID_LENGTH = 317
// nsid.md also caps the domain authority at 253 chars, but the interop vectors list a valid NSID
// with a 283-char authority and the reference implementations check only the overall 317. We
// follow them, so a lexicon value valid elsewhere is valid here too.

export interface ParsedNsid {
  /** The domain authority in normal order: `com.example.fooBar` -> `example.com`. */
  authority: string
  /** The final, case-sensitive segment: `fooBar`. */
  name: string
  /** Every segment in NSID order. */
  segments: string[]
}

/** Why `s` is not an NSID, or null when it is one. */
export function nsidProblem(s: string): string | null {
  if (s.length > MAX_NSID_LENGTH)
    return `NSID is too long (${s.length} > ${MAX_NSID_LENGTH} chars): ${show(s)}`
  const nameStart = s.lastIndexOf('.') + 1
  // With no dot at all, nameStart - 1 is -1 and the authority has no labels.
  const authorityLabels = scanLabels(s, nameStart - 1, 'NSID')
  if (typeof authorityLabels === 'string') return authorityLabels
  if (authorityLabels < 2) return `NSID needs at least three segments (authority.name): ${show(s)}`
  if (isDigit(s.charCodeAt(0))) return `NSID first segment (the TLD) must not start with a digit: ${show(s)}`
  return nameProblem(s, nameStart)
}

function nameProblem(s: string, start: number): string | null {
  const length = s.length - start
  if (length === 0) return `NSID name segment is empty: ${show(s)}`
  if (length > MAX_LABEL_LENGTH) {
    return `NSID name too long (${length} > ${MAX_LABEL_LENGTH} chars): ${show(s.slice(start))}`
  }
  if (isDigit(s.charCodeAt(start))) return `NSID name must not start with a digit: ${show(s.slice(start))}`
  for (let i = start; i < s.length; i++) {
    if (!inSet(s.charCodeAt(i), ALNUM)) {
      const char = String.fromCodePoint(s.codePointAt(i)!)
      return `NSID name may hold only ASCII letters and digits, found ${show(char)}: ${show(s)}`
    }
  }
  return null
}

export function isValidNsid(s: unknown): s is string {
  return typeof s === 'string' && nsidProblem(s) === null
}

export function ensureValidNsid(s: unknown): asserts s is string {
  const problem = typeof s === 'string' ? nsidProblem(s) : notAString('NSID', s)
  if (problem !== null) throw new InvalidNsidError(problem)
}

export function parseNsid(s: unknown): ParsedNsid {
  ensureValidNsid(s)
  const segments = s.split('.')
  return {
    authority: segments.slice(0, -1).reverse().join('.'),
    name: segments[segments.length - 1],
    segments,
  }
}

/** Builds `example.com` + `fooBar` into `com.example.fooBar`, validating the result. */
export function formatNsid(authority: string, name: string): string {
  const nsid = `${authority.split('.').reverse().join('.')}.${name}`
  ensureValidNsid(nsid)
  return nsid
}

/**
 * A pattern naming a group of NSIDs (nsid.md, "NSID Syntax Variations"): a lone `*`, an exact
 * NSID, or one or more authority segments followed by `.*`, as in `app.bsky.*`.
 */
export function isValidNsidGlob(s: unknown): s is string {
  if (typeof s !== 'string') return false
  if (s === '*') return true
  if (!s.endsWith('.*')) return isValidNsid(s)
  // The segments before ".*" obey the authority rules; the first, the TLD, starts with a letter.
  if (s.length > MAX_NSID_LENGTH || isDigit(s.charCodeAt(0))) return false
  return typeof scanLabels(s, s.length - 2, 'NSID') === 'number'
}

// DID syntax as atproto constrains it (specs/did.md, "DID Identifier Syntax"): any method is
// syntactically valid here; which methods are supported is an identity-layer question.
import { COLON, DID, inSet, isLower, notAString, PERCENT, show } from './chars.js'
import { InvalidDidError } from './errors.js'

/** Hard limit from did.md; real DIDs are far shorter (did:plc is 32 chars). */
export const MAX_DID_LENGTH = 2048

export interface ParsedDid {
  /** `plc`, `web`, ... */
  method: string
  /** Everything after `did:<method>:`. */
  identifier: string
}

/** Why `s` is not a DID, or null when it is one. Percent-escapes are not decoded (did.md allows that). */
export function didProblem(s: string): string | null {
  if (s.length > MAX_DID_LENGTH) return `DID is too long (${s.length} > ${MAX_DID_LENGTH} chars): ${show(s)}`
  if (!s.startsWith('did:')) return `DID must start with lower-case "did:": ${show(s)}`
  let i = 4
  while (i < s.length && isLower(s.charCodeAt(i))) i++
  if (i === 4) return `DID method must be one or more lower-case letters: ${show(s)}`
  if (i === s.length || s.charCodeAt(i) !== COLON) {
    return `DID method must be lower-case letters followed by ":": ${show(s)}`
  }
  i++
  if (i === s.length) return `DID identifier is empty: ${show(s)}`
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (!inSet(c, DID)) return `DID contains a disallowed character ${show(s[i])} at ${i}: ${show(s)}`
  }
  const last = s.charCodeAt(s.length - 1)
  if (last === COLON || last === PERCENT) return `DID must not end in ${show(s[s.length - 1])}: ${show(s)}`
  return null
}

export function isValidDid(s: unknown): s is string {
  return typeof s === 'string' && didProblem(s) === null
}

export function ensureValidDid(s: unknown): asserts s is string {
  const problem = typeof s === 'string' ? didProblem(s) : notAString('DID', s)
  if (problem !== null) throw new InvalidDidError(problem)
}

export function parseDid(s: unknown): ParsedDid {
  ensureValidDid(s)
  const sep = s.indexOf(':', 4)
  return { method: s.slice(4, sep), identifier: s.slice(sep + 1) }
}

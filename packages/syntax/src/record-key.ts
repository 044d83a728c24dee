// Record key syntax (specs/record-key.md, "Record Key Syntax"): the `any` type every rkey meets.
import { inSet, notAString, RKEY, show } from './chars.js'
import { InvalidRecordKeyError } from './errors.js'

export const MAX_RECORD_KEY_LENGTH = 512

// The allowed characters are RFC 3986's unreserved set plus ":", so an rkey is always a safe URI
// path segment and MST key part.
/** Why `s` is not a record key, or null when it is one. */
export function recordKeyProblem(s: string): string | null {
  if (s.length === 0) return 'record key is empty'
  if (s.length > MAX_RECORD_KEY_LENGTH) {
    return `record key is too long (${s.length} > ${MAX_RECORD_KEY_LENGTH} chars): ${show(s)}`
  }
  if (s === '.' || s === '..') return `record key must not be "." or "..": ${show(s)}`
  for (let i = 0; i < s.length; i++) {
    if (!inSet(s.charCodeAt(i), RKEY)) {
      const char = String.fromCodePoint(s.codePointAt(i)!)
      return `record key contains a disallowed character ${show(char)} at ${i}: ${show(s)}`
    }
  }
  return null
}

export function isValidRecordKey(s: unknown): s is string {
  return typeof s === 'string' && recordKeyProblem(s) === null
}

export function ensureValidRecordKey(s: unknown): asserts s is string {
  const problem = typeof s === 'string' ? recordKeyProblem(s) : notAString('record key', s)
  if (problem !== null) throw new InvalidRecordKeyError(problem)
}

// Handle syntax (specs/handle.md, "Handle Identifier Syntax"). Syntax only: whether a TLD is
// usable for resolution is a separate question, answered by hasDisallowedTld.
import { isDigit, notAString, show } from './chars.js'
import { scanLabels } from './domain.js'
import { InvalidHandleError } from './errors.js'

export const MAX_HANDLE_LENGTH = 253

/** Shown in API responses for an account with no bi-directionally verified handle. */
export const INVALID_HANDLE = 'handle.invalid'

/** TLDs that are syntactically fine but must never resolve (handle.md, "Additional Non-Syntax Restrictions"). */
export const DISALLOWED_TLDS: ReadonlySet<string> = new Set([
  'alt',
  'arpa',
  'example',
  'internal',
  'invalid',
  'local',
  'localhost',
  'onion',
])

/** Why `s` is not a handle, or null when it is one. Case is not checked: handles are case-insensitive. */
export function handleProblem(s: string): string | null {
  if (s.length === 0) return 'handle is empty'
  if (s.length > MAX_HANDLE_LENGTH) {
    return `handle is too long (${s.length} > ${MAX_HANDLE_LENGTH} chars): ${show(s)}`
  }
  const labels = scanLabels(s, s.length, 'handle')
  if (typeof labels === 'string') return labels
  if (labels < 2) return `handle needs at least two labels (a bare TLD is not a handle): ${show(s)}`
  const tld = s.lastIndexOf('.') + 1
  if (isDigit(s.charCodeAt(tld)))
    return `handle top-level label must not start with a digit: ${show(s.slice(tld))}`
  return null
}

export function isValidHandle(s: unknown): s is string {
  return typeof s === 'string' && handleProblem(s) === null
}

export function ensureValidHandle(s: unknown): asserts s is string {
  const problem = typeof s === 'string' ? handleProblem(s) : notAString('handle', s)
  if (problem !== null) throw new InvalidHandleError(problem)
}

/**
 * ASCII-lowercases a handle (handle.md: store and compare only the lower-case form). Only A-Z
 * change, unlike String#toLowerCase, which would also rewrite non-ASCII that validation rejects.
 */
export function normalizeHandle(s: string): string {
  return s.replace(/[A-Z]+/g, (upper) => upper.toLowerCase())
}

export function normalizeAndEnsureValidHandle(s: unknown): string {
  ensureValidHandle(s)
  return normalizeHandle(s)
}

/** True when the handle's TLD is one the spec says must always fail resolution. */
export function hasDisallowedTld(handle: string): boolean {
  const tld = handle.slice(handle.lastIndexOf('.') + 1)
  return DISALLOWED_TLDS.has(normalizeHandle(tld))
}

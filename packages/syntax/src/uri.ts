// The lexicon `uri` format (specs/lexicon.md, "uri"): any scheme, at most 8 KiB. Shape is
// RFC 3986 `scheme ":"` followed by a non-empty rest with no whitespace or control characters;
// as in the reference implementation, the rest may not begin with "/" unless it is the "//" of
// an authority, and then not with a third "/". Non-ASCII (IRI) characters are accepted: they
// occur in real records and the spec does not forbid them.
import { isAlnum, isAlpha, notAString, SLASH, show } from './chars.js'
import { InvalidUriError } from './errors.js'

export const MAX_URI_BYTES = 8192

// C0/C1 controls, space, DEL, and the rest of Unicode White_Space plus U+FEFF (JavaScript's \s).
function isSpaceOrControl(c: number): boolean {
  return (
    c <= 0x20 ||
    (c >= 0x7f && c <= 0xa0) ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  )
}

/** Why `s` is not a lexicon URI, or null when it is one. */
export function uriProblem(s: string): string | null {
  // UTF-16 length never exceeds UTF-8 length, so this cheap test is exact for ASCII and safe otherwise.
  if (s.length > MAX_URI_BYTES) return `URI is too long (${s.length} > ${MAX_URI_BYTES} bytes): ${show(s)}`
  if (!isAlpha(s.charCodeAt(0))) return `URI must start with a scheme (a letter first): ${show(s)}`
  let i = 1
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (!isAlnum(c) && c !== 0x2b && c !== 0x2d && c !== 0x2e) break
  }
  if (s.charCodeAt(i) !== 0x3a)
    return `URI scheme must be letters, digits, "+", "-" or "." then ":": ${show(s)}`
  i++
  if (s.charCodeAt(i) === SLASH && s.charCodeAt(i + 1) === SLASH) i += 2
  if (i === s.length) return `URI has nothing after its scheme: ${show(s)}`
  if (s.charCodeAt(i) === SLASH) return `URI has an unexpected "/" at ${i}: ${show(s)}`
  let bytes = i
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (isSpaceOrControl(c)) return `URI contains whitespace or a control character at ${i}: ${show(s)}`
    // UTF-8 length: a surrogate pair is 4 bytes, 2 per half.
    bytes += c < 0x80 ? 1 : c < 0x800 || (c >= 0xd800 && c <= 0xdfff) ? 2 : 3
  }
  if (bytes > MAX_URI_BYTES) return `URI is too long (${bytes} > ${MAX_URI_BYTES} bytes): ${show(s)}`
  return null
}

export function isValidUri(s: unknown): s is string {
  return typeof s === 'string' && uriProblem(s) === null
}

export function ensureValidUri(s: unknown): asserts s is string {
  const problem = typeof s === 'string' ? uriProblem(s) : notAString('URI', s)
  if (problem !== null) throw new InvalidUriError(problem)
}

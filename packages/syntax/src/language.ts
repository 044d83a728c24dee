// The lexicon `language` format (specs/lexicon.md, "language"): a well-formed BCP 47 tag
// (RFC 5646 §2.1), with the primary language subtag in lower case as atproto writes it.
// Every subtag's role follows from its length and character classes alone, so one left-to-right
// walk over the subtags decides the grammar without backtracking.
import { isAlnum, isAlpha, isDigit, isLower, notAString, show } from './chars.js'
import { InvalidLanguageError } from './errors.js'

/** Bounds the work on hostile input; registered tags in use are far shorter. */
export const MAX_LANGUAGE_LENGTH = 128

export interface LanguageTag {
  /** Set when the whole tag is one of RFC 5646's grandfathered tags; other fields are then empty. */
  grandfathered?: string
  language?: string
  extlangs: string[]
  script?: string
  region?: string
  variants: string[]
  /** Extension sequences, e.g. `{singleton: 'u', subtags: ['co', 'phonebk']}`. */
  extensions: { singleton: string; subtags: string[] }[]
  /** Subtags after `x-`. */
  privateUse: string[]
}

// RFC 5646 §2.1 "irregular" and "regular" grandfathered tags, matched as registered.
const GRANDFATHERED: ReadonlySet<string> = new Set(
  (
    'en-GB-oed i-ami i-bnn i-default i-enochian i-hak i-klingon i-lux i-mingo i-navajo i-pwn i-tao ' +
    'i-tay i-tsu sgn-BE-FR sgn-BE-NL sgn-CH-DE art-lojban cel-gaulish no-bok no-nyn zh-guoyu zh-hakka ' +
    'zh-min zh-min-nan zh-xiang'
  ).split(' '),
)

function all(s: string, test: (c: number) => boolean): boolean {
  for (let i = 0; i < s.length; i++) if (!test(s.charCodeAt(i))) return false
  return true
}

const isAlphaN = (s: string, n: number) => s.length === n && all(s, isAlpha)
const isAlnumRange = (s: string, min: number, max: number) =>
  s.length >= min && s.length <= max && all(s, isAlnum)
const isRegion = (s: string) => isAlphaN(s, 2) || (s.length === 3 && all(s, isDigit))
const isVariant = (s: string) =>
  isAlnumRange(s, 5, 8) || (s.length === 4 && isDigit(s.charCodeAt(0)) && all(s, isAlnum))
const isSingleton = (s: string) => isAlnumRange(s, 1, 1) && s !== 'x' && s !== 'X'
const isPrivateUsePrefix = (s: string) => s === 'x' || s === 'X'

/**
 * Parses a language tag, or returns why it is not one. With `strict`, also applies RFC 5646
 * §2.2.5/§2.2.6 validity: no variant and no extension singleton may appear twice (ignoring case).
 */
export function scanLanguage(s: string, strict: boolean): LanguageTag | string {
  if (s.length > MAX_LANGUAGE_LENGTH) {
    return `language tag is too long (${s.length} > ${MAX_LANGUAGE_LENGTH} chars): ${show(s)}`
  }
  const tag: LanguageTag = { extlangs: [], variants: [], extensions: [], privateUse: [] }
  if (GRANDFATHERED.has(s)) return { ...tag, grandfathered: s }
  const subtags = s.split('-')
  if (subtags.includes('')) return `language tag has an empty subtag: ${show(s)}`
  let i = 0
  if (!isPrivateUsePrefix(subtags[0])) {
    const language = subtags[0]
    if (!(language.length === 2 || language.length === 3) || !all(language, isLower)) {
      return `language subtag must be 2 or 3 lower-case letters, got ${show(language)}: ${show(s)}`
    }
    tag.language = language
    i = 1
    while (tag.extlangs.length < 3 && i < subtags.length && isAlphaN(subtags[i], 3))
      tag.extlangs.push(subtags[i++])
    if (i < subtags.length && isAlphaN(subtags[i], 4)) tag.script = subtags[i++]
    if (i < subtags.length && isRegion(subtags[i])) tag.region = subtags[i++]
    // Repeats matter only to the strict parse; the well-formed check skips the bookkeeping.
    const seen = strict ? new Set<string>() : undefined
    while (i < subtags.length && isVariant(subtags[i])) {
      const variant = subtags[i++]
      if (seen?.has(variant.toLowerCase())) return `language tag repeats variant ${show(variant)}: ${show(s)}`
      seen?.add(variant.toLowerCase())
      tag.variants.push(variant)
    }
    seen?.clear()
    while (i < subtags.length && isSingleton(subtags[i])) {
      const singleton = subtags[i++]
      if (seen?.has(singleton.toLowerCase()))
        return `language tag repeats extension ${show(singleton)}: ${show(s)}`
      seen?.add(singleton.toLowerCase())
      const start = i
      while (i < subtags.length && isAlnumRange(subtags[i], 2, 8)) i++
      if (i === start) return `language extension ${show(singleton)} needs at least one subtag: ${show(s)}`
      tag.extensions.push({ singleton, subtags: subtags.slice(start, i) })
    }
    if (i === subtags.length) return tag
    if (!isPrivateUsePrefix(subtags[i]))
      return `language tag has an unexpected subtag ${show(subtags[i])}: ${show(s)}`
  }
  // Private use: `x` then one or more subtags of 1-8 alphanumerics, to the end of the tag.
  const start = ++i
  while (i < subtags.length && isAlnumRange(subtags[i], 1, 8)) i++
  if (i === start || i < subtags.length)
    return `language private-use part must be x-<1 to 8 alphanumerics>…: ${show(s)}`
  tag.privateUse = subtags.slice(start)
  return tag
}

/** The lexicon check: a well-formed tag. Duplicate variants or extensions still pass, as the spec says. */
export function isValidLanguage(s: unknown): s is string {
  return typeof s === 'string' && typeof scanLanguage(s, false) !== 'string'
}

export function ensureValidLanguage(s: unknown): asserts s is string {
  const result = typeof s === 'string' ? scanLanguage(s, false) : notAString('language tag', s)
  if (typeof result === 'string') throw new InvalidLanguageError(result)
}

/** Parses a tag strictly: well-formed and "valid" in RFC 5646's sense (no repeated variant or extension). */
export function parseLanguage(s: unknown): LanguageTag {
  const result = typeof s === 'string' ? scanLanguage(s, true) : notAString('language tag', s)
  if (typeof result === 'string') throw new InvalidLanguageError(result)
  return result
}

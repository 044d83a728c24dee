// lexicon.md, "string" and "String Formats". Checks run cheapest first; grapheme counting only
// happens when the UTF-16 length alone can not settle a limit.
import {
  isValidAtIdentifier,
  isValidAtUri,
  isValidCidString,
  isValidDatetime,
  isValidDid,
  isValidHandle,
  isValidLanguage,
  isValidNsid,
  isValidRecordKey,
  isValidTid,
  isValidUri,
} from '@welkin/syntax'
import type { LexString, StringFormat } from '../types.js'
import { describe, invalid } from './context.js'
import { countCodePoints, countGraphemes, utf8Length } from './text-length.js'

const FORMATS: Record<StringFormat, [check: (s: string) => boolean, name: string]> = {
  'at-identifier': [isValidAtIdentifier, 'a handle or DID'],
  'at-uri': [isValidAtUri, 'an AT-URI'],
  cid: [isValidCidString, 'a CID string'],
  datetime: [isValidDatetime, 'a datetime (RFC 3339 with timezone)'],
  did: [isValidDid, 'a DID'],
  handle: [isValidHandle, 'a handle'],
  language: [isValidLanguage, 'a BCP 47 language tag'],
  nsid: [isValidNsid, 'an NSID'],
  'record-key': [isValidRecordKey, 'a record key'],
  tid: [isValidTid, 'a TID'],
  uri: [isValidUri, 'a URI'],
}

export function isValidFormat(format: StringFormat, s: string): boolean {
  return FORMATS[format][0](s)
}

export function validateString(schema: LexString, value: unknown, path: string): string {
  if (typeof value !== 'string') return invalid(path, `must be a string, not ${describe(value)}`)
  if (schema.const !== undefined && value !== schema.const) invalid(path, `must be "${schema.const}"`)
  if (schema.enum && !schema.enum.includes(value)) invalid(path, `must be one of (${schema.enum.join('|')})`)
  checkLength(schema, value, path)
  checkGraphemes(schema, value, path)
  if (schema.format !== undefined) {
    const [check, name] = FORMATS[schema.format]
    if (!check(value)) invalid(path, `must be ${name}`)
  }
  return value
}

function checkLength({ minLength, maxLength }: LexString, s: string, path: string) {
  if (minLength === undefined && maxLength === undefined) return
  // A UTF-16 code unit takes 1 to 3 UTF-8 bytes: most strings are settled without measuring.
  if (maxLength !== undefined && s.length > maxLength)
    invalid(path, `must not be longer than ${maxLength} bytes (UTF-8)`)
  if (
    (maxLength === undefined || s.length * 3 <= maxLength) &&
    (minLength === undefined || s.length >= minLength)
  )
    return
  const bytes = utf8Length(s)
  if (maxLength !== undefined && bytes > maxLength)
    invalid(path, `must not be longer than ${maxLength} bytes (UTF-8)`)
  if (minLength !== undefined && bytes < minLength)
    invalid(path, `must not be shorter than ${minLength} bytes (UTF-8)`)
}

function checkGraphemes({ minGraphemes, maxGraphemes }: LexString, s: string, path: string) {
  // A grapheme takes at least one code point, itself one or two UTF-16 code units; segmenting
  // (slow) is needed only when those bounds can not settle the limit.
  if (minGraphemes !== undefined && s.length < minGraphemes)
    invalid(path, `must not be shorter than ${minGraphemes} graphemes`)
  if (maxGraphemes !== undefined && s.length > maxGraphemes && countCodePoints(s) > maxGraphemes) {
    if (countGraphemes(s, maxGraphemes + 1) > maxGraphemes)
      invalid(path, `must not be longer than ${maxGraphemes} graphemes`)
  }
  if (minGraphemes !== undefined && countGraphemes(s, minGraphemes) < minGraphemes)
    invalid(path, `must not be shorter than ${minGraphemes} graphemes`)
}

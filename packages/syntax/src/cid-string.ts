// The lexicon `cid` string format: syntax only, nothing is decoded (@welkin/data does that).
// A CID string is multibase: a one-character base prefix, then digits of that base. atproto
// writes base32 (`b...`, specs/data-model.md "Link and CID Formats"), but the format accepts
// any multibase CIDv1 spelling; bare base58 CIDv0 (`Qm...`) is refused.
import { notAString, show } from './chars.js'
import { InvalidCidStringError } from './errors.js'

export const MIN_CID_STRING_LENGTH = 8
export const MAX_CID_STRING_LENGTH = 256

const B32 = 'abcdefghijklmnopqrstuvwxyz234567'
const B32HEX = '0123456789abcdefghijklmnopqrstuv'
const B36 = '0123456789abcdefghijklmnopqrstuvwxyz'
const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
const upper = (digits: string) => digits.toUpperCase()

// Multibase prefix -> the characters that may follow it (multiformats/multibase table).
const BASES: ReadonlyMap<string, ReadonlySet<string>> = new Map(
  (
    [
      ['0', '01'],
      ['7', '01234567'],
      ['9', '0123456789'],
      ['f', '0123456789abcdef'],
      ['F', '0123456789ABCDEF'],
      ['b', B32],
      ['B', upper(B32)],
      ['c', `${B32}=`],
      ['C', `${upper(B32)}=`],
      ['v', B32HEX],
      ['V', upper(B32HEX)],
      ['t', `${B32HEX}=`],
      ['T', `${upper(B32HEX)}=`],
      ['h', 'ybndrfg8ejkmcpqxot1uwisza345h769'],
      ['k', B36],
      ['K', upper(B36)],
      ['z', B58],
      ['Z', '123456789abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ'],
      ['m', `${B64}+/`],
      ['M', `${B64}+/=`],
      ['u', `${B64}-_`],
      ['U', `${B64}-_=`],
    ] as const
  ).map(([prefix, digits]) => [prefix, new Set(digits)]),
)

/** Why `s` is not a CID string, or null when it is one. */
export function cidStringProblem(s: string): string | null {
  if (s.length < MIN_CID_STRING_LENGTH || s.length > MAX_CID_STRING_LENGTH) {
    return `CID string length must be ${MIN_CID_STRING_LENGTH}..${MAX_CID_STRING_LENGTH}, got ${s.length}: ${show(s)}`
  }
  if (s.length === 46 && s.startsWith('Qm')) return `CIDv0 strings are not supported: ${show(s)}`
  const digits = BASES.get(s[0])
  if (digits === undefined) return `CID string has no known multibase prefix: ${show(s)}`
  for (let i = 1; i < s.length; i++) {
    if (!digits.has(s[i]))
      return `CID string has ${show(s[i])} at ${i}, not a digit of its base ${show(s[0])}: ${show(s)}`
  }
  return null
}

export function isValidCidString(s: unknown): s is string {
  return typeof s === 'string' && cidStringProblem(s) === null
}

export function ensureValidCidString(s: unknown): asserts s is string {
  const problem = typeof s === 'string' ? cidStringProblem(s) : notAString('CID string', s)
  if (problem !== null) throw new InvalidCidStringError(problem)
}

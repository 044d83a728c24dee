// TID encoding (specs/tid.md): a 64-bit integer, top bit 0, then 53 bits of microseconds since
// the UNIX epoch, then a 10-bit clock id; written as 13 base32-sortable characters. Arithmetic
// stays in doubles: 53-bit timestamps are exact there, and no BigInt is needed on the hot path.
import { notAString, show } from './chars.js'
import { InvalidTidError } from './errors.js'

export const TID_LENGTH = 13
export const MAX_TID_TIMESTAMP = Number.MAX_SAFE_INTEGER
export const MAX_CLOCK_ID = 1023

// Sorted in ASCII order, so comparing TID strings compares their integers.
const ALPHABET = '234567abcdefghijklmnopqrstuvwxyz'
const VALUE = new Int8Array(128).fill(-1)
for (let i = 0; i < ALPHABET.length; i++) VALUE[ALPHABET.charCodeAt(i)] = i

/** Why `s` is not a TID, or null when it is one. */
export function tidProblem(s: string): string | null {
  if (s.length !== TID_LENGTH) return `TID must be ${TID_LENGTH} characters, got ${s.length}: ${show(s)}`
  for (let i = 0; i < TID_LENGTH; i++) {
    const c = s.charCodeAt(i)
    if (c >= 128 || VALUE[c] < 0) {
      return `TID contains ${show(s[i])} at ${i}, outside base32-sortable (${ALPHABET}): ${show(s)}`
    }
  }
  // A first digit above 15 would need a 65th bit.
  if (VALUE[s.charCodeAt(0)] > 15) return `TID first character must be one of 234567abcdefghij: ${show(s)}`
  return null
}

export function isValidTid(s: unknown): s is string {
  return typeof s === 'string' && tidProblem(s) === null
}

export function ensureValidTid(s: unknown): asserts s is string {
  const problem = typeof s === 'string' ? tidProblem(s) : notAString('TID', s)
  if (problem !== null) throw new InvalidTidError(problem)
}

/** The TID for a timestamp (integer microseconds since the UNIX epoch) and clock id (0..1023). */
export function tidFromTime(micros: number, clockId: number): string {
  if (!Number.isInteger(micros) || micros < 0 || micros > MAX_TID_TIMESTAMP) {
    throw new InvalidTidError(`TID timestamp must be an integer in 0..2^53-1 microseconds, got ${micros}`)
  }
  if (!Number.isInteger(clockId) || clockId < 0 || clockId > MAX_CLOCK_ID) {
    throw new InvalidTidError(`TID clock id must be an integer in 0..${MAX_CLOCK_ID}, got ${clockId}`)
  }
  // 11 digits hold the timestamp (55 bits: the top bit and one padding bit stay 0), 2 the clock id.
  const out = new Array<string>(TID_LENGTH)
  out[12] = ALPHABET[clockId & 31]
  out[11] = ALPHABET[clockId >> 5]
  let rest = micros
  for (let i = 10; i >= 0; i--) {
    const digit = rest % 32
    out[i] = ALPHABET[digit]
    rest = (rest - digit) / 32
  }
  return out.join('')
}

/**
 * The timestamp of a TID in microseconds since the UNIX epoch. Syntax allows a set top bit
 * (first character c..j), which is not part of the timestamp field and is ignored here.
 */
export function tidTimestamp(tid: string): number {
  ensureValidTid(tid)
  let micros = VALUE[tid.charCodeAt(0)] & 7
  for (let i = 1; i <= 10; i++) micros = micros * 32 + VALUE[tid.charCodeAt(i)]
  return micros
}

/** The 10-bit clock id of a TID. */
export function tidClockId(tid: string): number {
  ensureValidTid(tid)
  return (VALUE[tid.charCodeAt(11)] << 5) | VALUE[tid.charCodeAt(12)]
}

/** Orders TIDs by their integer value (for valid TIDs, plain string order is the same thing). */
export function compareTids(a: string, b: string): -1 | 0 | 1 {
  return a < b ? -1 : a > b ? 1 : 0
}

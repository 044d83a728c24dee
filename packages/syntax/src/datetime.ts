// The lexicon `datetime` format (specs/lexicon.md, "datetime"): the intersection of RFC 3339,
// ISO 8601 and WHATWG HTML, YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM), with a real
// calendar date and time, and an instant no earlier than 0000-01-01T00:00:00Z.
import { isDigit, notAString, show } from './chars.js'
import { InvalidDatetimeError } from './errors.js'

/** Generous for any precision in use; bounds the work done on hostile input. */
export const MAX_DATETIME_LENGTH = 64

export interface ParsedDatetime {
  year: number
  month: number
  day: number
  hour: number
  minute: number
  second: number
  /** Fractional-second digits as written (`'123'` for `.123`), `''` when absent. */
  fraction: string
  /** Offset from UTC in minutes: 0 for `Z`, -420 for `-07:00`. */
  offsetMinutes: number
  /** The instant, truncated to milliseconds. */
  epochMillis: number
}

const DAY_MS = 86_400_000

// Days from 1970-01-01 to a proleptic Gregorian date (Hinnant's days_from_civil). Date.UTC is
// avoided because it maps years 0..99 to 1900..1999.
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yoe = y - era * 400
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
}

const MIN_EPOCH_MS = daysFromCivil(0, 1, 1) * DAY_MS
const END_EPOCH_MS = daysFromCivil(10000, 1, 1) * DAY_MS

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
}

// Fixed-width digit run at s[at..at+width), or -1.
function digits(s: string, at: number, width: number): number {
  let n = 0
  for (let i = at; i < at + width; i++) {
    const c = s.charCodeAt(i)
    if (!isDigit(c)) return -1
    n = n * 10 + (c - 0x30)
  }
  return n
}

const SHAPE = 'datetime must look like YYYY-MM-DDTHH:MM:SS[.fraction] followed by Z or ±HH:MM'

/** Parses a lexicon datetime, or returns why it is not one. */
export function scanDatetime(s: string): ParsedDatetime | string {
  if (s.length > MAX_DATETIME_LENGTH) {
    return `datetime is too long (${s.length} > ${MAX_DATETIME_LENGTH} chars): ${show(s)}`
  }
  const year = digits(s, 0, 4)
  const month = digits(s, 5, 2)
  const day = digits(s, 8, 2)
  const hour = digits(s, 11, 2)
  const minute = digits(s, 14, 2)
  const second = digits(s, 17, 2)
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return `${SHAPE}: ${show(s)}`
  if (s[4] !== '-' || s[7] !== '-' || s[13] !== ':' || s[16] !== ':') return `${SHAPE}: ${show(s)}`
  if (s[10] !== 'T') return `datetime must separate date and time with an upper-case "T": ${show(s)}`

  let i = 19
  let fraction = ''
  if (s[i] === '.') {
    const start = ++i
    while (i < s.length && isDigit(s.charCodeAt(i))) i++
    if (i === start) return `datetime fraction needs at least one digit after ".": ${show(s)}`
    fraction = s.slice(start, i)
  }

  let offsetMinutes = 0
  const zone = s.slice(i)
  if (zone === '') return `datetime needs a timezone (Z or ±HH:MM): ${show(s)}`
  if (zone !== 'Z') {
    const sign = zone[0] === '+' ? 1 : zone[0] === '-' ? -1 : 0
    const offHour = digits(zone, 1, 2)
    const offMinute = digits(zone, 4, 2)
    if (sign === 0 || zone.length !== 6 || zone[3] !== ':' || offHour < 0 || offMinute < 0) {
      return `datetime timezone must be "Z" (upper-case) or ±HH:MM: ${show(s)}`
    }
    if (offHour > 23 || offMinute > 59) return `datetime timezone offset out of range: ${show(s)}`
    if (zone === '-00:00') return `datetime must not use "-00:00" (ISO 8601 forbids it; use Z): ${show(s)}`
    offsetMinutes = sign * (offHour * 60 + offMinute)
  }

  if (month < 1 || month > 12) return `datetime month out of range (${s.slice(5, 7)}): ${show(s)}`
  if (day < 1 || day > daysInMonth(year, month))
    return `datetime day out of range (${s.slice(8, 10)}): ${show(s)}`
  if (hour > 23) return `datetime hour out of range (${s.slice(11, 13)}): ${show(s)}`
  if (minute > 59) return `datetime minute out of range (${s.slice(14, 16)}): ${show(s)}`
  // Leap second 60 is refused too: nothing here can tell a real one, and Date would reject it.
  if (second > 59) return `datetime second out of range (${s.slice(17, 19)}): ${show(s)}`

  const millis = fraction === '' ? 0 : Number(fraction.slice(0, 3).padEnd(3, '0'))
  const epochMillis =
    ((daysFromCivil(year, month, day) * 24 + hour) * 60 + minute - offsetMinutes) * 60_000 +
    second * 1000 +
    millis
  if (epochMillis < MIN_EPOCH_MS) return `datetime normalizes to before year 0000: ${show(s)}`
  if (epochMillis >= END_EPOCH_MS) return `datetime normalizes to after year 9999: ${show(s)}`
  return { year, month, day, hour, minute, second, fraction, offsetMinutes, epochMillis }
}

export function isValidDatetime(s: unknown): s is string {
  return typeof s === 'string' && typeof scanDatetime(s) !== 'string'
}

export function parseDatetime(s: unknown): ParsedDatetime {
  const result = typeof s === 'string' ? scanDatetime(s) : notAString('datetime', s)
  if (typeof result === 'string') throw new InvalidDatetimeError(result)
  return result
}

export function ensureValidDatetime(s: unknown): asserts s is string {
  parseDatetime(s)
}

/** A valid datetime rewritten as UTC with millisecond precision (`Date#toISOString` form), e.g. for sort keys. */
export function normalizeDatetime(s: unknown): string {
  return new Date(parseDatetime(s).epochMillis).toISOString()
}

/** The current time as a lexicon datetime. */
export function currentDatetime(): string {
  return new Date().toISOString()
}

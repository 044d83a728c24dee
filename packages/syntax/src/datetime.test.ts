import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ensureValidDatetime, isValidDatetime, normalizeDatetime, parseDatetime } from './datetime.js'

describe('datetime', () => {
  it('parses fields, fraction and offset', () => {
    expect(parseDatetime('1985-04-12T23:20:50.1234567Z')).toEqual({
      year: 1985,
      month: 4,
      day: 12,
      hour: 23,
      minute: 20,
      second: 50,
      fraction: '1234567',
      offsetMinutes: 0,
      epochMillis: Date.parse('1985-04-12T23:20:50.123Z'),
    })
    const offset = parseDatetime('1985-04-12T23:20:50-07:30')
    expect(offset.offsetMinutes).toBe(-450)
    expect(offset.fraction).toBe('')
    expect(offset.epochMillis).toBe(Date.parse('1985-04-13T06:50:50Z'))
  })

  it('checks the calendar, including leap years', () => {
    expect(isValidDatetime('2000-02-29T00:00:00Z')).toBe(true)
    expect(isValidDatetime('2024-02-29T00:00:00Z')).toBe(true)
    expect(isValidDatetime('1900-02-29T00:00:00Z')).toBe(false)
    expect(isValidDatetime('2023-02-29T00:00:00Z')).toBe(false)
    expect(isValidDatetime('0000-02-29T00:00:00Z')).toBe(true)
    expect(() => ensureValidDatetime('1985-02-30T00:00:00Z')).toThrow(/day out of range \(30\)/)
    expect(() => ensureValidDatetime('1985-04-31T00:00:00Z')).toThrow(/day out of range/)
    expect(() => ensureValidDatetime('1985-04-12T24:00:00Z')).toThrow(/hour out of range/)
    expect(() => ensureValidDatetime('1985-04-12T23:59:60Z')).toThrow(/second out of range/)
  })

  it('bounds the instant to years 0000..9999 after applying the offset', () => {
    expect(isValidDatetime('0000-01-01T00:00:00-01:00')).toBe(true)
    expect(() => ensureValidDatetime('0000-01-01T00:59:59+01:00')).toThrow(/before year 0000/)
    expect(isValidDatetime('9999-12-31T23:59:59.999Z')).toBe(true)
    expect(() => ensureValidDatetime('9999-12-31T23:00:00-05:00')).toThrow(/after year 9999/)
  })

  it('says what is wrong with the shape', () => {
    expect(() => ensureValidDatetime('1985-04-12t23:20:50Z')).toThrow(/upper-case "T"/)
    expect(() => ensureValidDatetime('1985-04-12T23:20:50')).toThrow(/needs a timezone/)
    expect(() => ensureValidDatetime('1985-04-12T23:20:50z')).toThrow(/"Z" \(upper-case\) or ±HH:MM/)
    expect(() => ensureValidDatetime('1985-04-12T23:20:50-00:00')).toThrow(/-00:00/)
    expect(() => ensureValidDatetime('1985-04-12T23:20:50.Z')).toThrow(/at least one digit/)
    expect(() => ensureValidDatetime('1985-04-12T23:20:50+25:00')).toThrow(/offset out of range/)
    expect(() => ensureValidDatetime(`1985-04-12T23:20:50.${'1'.repeat(60)}Z`)).toThrow(/too long/)
    expect(() => ensureValidDatetime(1985)).toThrow(/must be a string, got number/)
  })

  it('normalizes to UTC milliseconds', () => {
    expect(normalizeDatetime('1985-04-12T23:20:50.123456-07:00')).toBe('1985-04-13T06:20:50.123Z')
    expect(normalizeDatetime('0001-01-01T00:00:00Z')).toBe('0001-01-01T00:00:00.000Z')
  })

  it('accepts every Date#toISOString in range, agreeing with Date on the instant', () => {
    const min = Date.parse('0000-01-01T00:00:00Z')
    const max = Date.parse('9999-12-31T23:59:59.999Z')
    fc.assert(
      fc.property(fc.integer({ min, max }), (ms) => {
        const iso = new Date(ms).toISOString()
        expect(parseDatetime(iso).epochMillis).toBe(ms)
        expect(normalizeDatetime(iso)).toBe(iso)
      }),
    )
  })
})

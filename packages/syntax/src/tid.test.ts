import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { InvalidTidError } from './errors.js'
import {
  compareTids,
  ensureValidTid,
  isValidTid,
  MAX_TID_TIMESTAMP,
  tidClockId,
  tidFromTime,
  tidTimestamp,
} from './tid.js'

const micros = fc.integer({ min: 0, max: MAX_TID_TIMESTAMP })
const clockId = fc.integer({ min: 0, max: 1023 })

describe('TID encoding', () => {
  it('encodes the extremes of the layout', () => {
    expect(tidFromTime(0, 0)).toBe('2222222222222')
    expect(tidFromTime(0, 1023)).toBe('22222222222zz')
    expect(tidFromTime(MAX_TID_TIMESTAMP, 0)).toBe('bzzzzzzzzzz22')
    expect(tidFromTime(1, 0)).toBe('2222222222322')
  })

  it('decodes the spec example', () => {
    expect(tidTimestamp('3jzfcijpj2z2a')).toBe(1688137381887007)
    expect(tidClockId('3jzfcijpj2z2a')).toBe(6)
  })

  it('round-trips generated timestamps and clock ids', () => {
    fc.assert(
      fc.property(micros, clockId, (t, c) => {
        const tid = tidFromTime(t, c)
        expect(isValidTid(tid)).toBe(true)
        expect(tidTimestamp(tid)).toBe(t)
        expect(tidClockId(tid)).toBe(c)
      }),
    )
  })

  it('round-trips generated TID strings whose top bit is clear', () => {
    const digit = fc.constantFrom(...'234567abcdefghijklmnopqrstuvwxyz')
    const tidString = fc
      .tuple(fc.constantFrom(...'234567ab'), fc.array(digit, { minLength: 12, maxLength: 12 }))
      .map(([first, rest]) => first + rest.join(''))
    fc.assert(
      fc.property(tidString, (tid) => {
        expect(tidFromTime(tidTimestamp(tid), tidClockId(tid))).toBe(tid)
      }),
    )
  })

  it('orders TID strings as it orders (timestamp, clock id)', () => {
    fc.assert(
      fc.property(micros, clockId, micros, clockId, (t1, c1, t2, c2) => {
        const expected = Math.sign(t1 === t2 ? c1 - c2 : t1 - t2)
        expect(compareTids(tidFromTime(t1, c1), tidFromTime(t2, c2))).toBe(expected)
      }),
    )
  })

  it('ignores the reserved top bit when reading a timestamp', () => {
    // 'j' is digit 15 = 'b' (7) with bit 63 set; 'c' (8) is bit 63 alone.
    expect(tidTimestamp('jzzzzzzzzzz22')).toBe(MAX_TID_TIMESTAMP)
    expect(tidTimestamp('czzzzzzzzzz22')).toBe(2 ** 50 - 1)
  })

  it('refuses out-of-range inputs', () => {
    expect(() => tidFromTime(-1, 0)).toThrow(InvalidTidError)
    expect(() => tidFromTime(MAX_TID_TIMESTAMP + 1, 0)).toThrow(/0\.\.2\^53-1/)
    expect(() => tidFromTime(1.5, 0)).toThrow(InvalidTidError)
    expect(() => tidFromTime(0, 1024)).toThrow(/clock id/)
    expect(() => tidFromTime(0, -1)).toThrow(/clock id/)
    expect(() => tidTimestamp('not-a-tid')).toThrow(InvalidTidError)
  })

  it('says what is wrong with a bad TID', () => {
    expect(() => ensureValidTid('3jzfcijpj2z2')).toThrow(/13 characters, got 12/)
    expect(() => ensureValidTid('3jzfcijpj2z21')).toThrow(/"1" at 12/)
    expect(() => ensureValidTid('kjzfcijpj2z2a')).toThrow(/first character/)
    expect(() => ensureValidTid(42)).toThrow(/must be a string, got number/)
  })
})

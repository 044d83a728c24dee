import { describe, expect, it } from 'vitest'
import { COUNTER_SLOTS, Hlc, isValidState, stateFromWall, wallOfState } from './clock.js'
import { ClockError } from './errors.js'

describe('Hlc', () => {
  it('stamps at wall time when the clock moves forward', () => {
    const hlc = new Hlc()
    expect(hlc.next(1000)).toBe(1000 * COUNTER_SLOTS)
    expect(hlc.next(2000)).toBe(2000 * COUNTER_SLOTS)
  })

  it('stays strictly increasing within a millisecond and when the clock steps back', () => {
    const hlc = new Hlc()
    const a = hlc.next(5000)
    const b = hlc.next(5000)
    const c = hlc.next(4000)
    expect(b).toBe(a + 1)
    expect(c).toBe(b + 1)
    expect(wallOfState(c)).toBe(5000)
  })

  it('carries a counter overflow into the next millisecond', () => {
    const hlc = new Hlc()
    let s = 0
    for (let i = 0; i <= COUNTER_SLOTS; i++) s = hlc.next(7)
    expect(wallOfState(s)).toBe(8)
  })

  it('stamps above every observed state', () => {
    const hlc = new Hlc()
    hlc.observe(stateFromWall(9000) + 5)
    expect(hlc.next(1000)).toBe(stateFromWall(9000) + 6)
    hlc.observe(3)
    expect(hlc.current).toBe(stateFromWall(9000) + 6)
  })

  it('rejects clock readings it cannot encode', () => {
    const hlc = new Hlc()
    for (const t of [Number.NaN, -1, Number.POSITIVE_INFINITY, 2 ** 53])
      expect(() => hlc.next(t)).toThrow(ClockError)
  })
})

describe('isValidState', () => {
  it('accepts non-negative safe integers only', () => {
    expect(isValidState(0)).toBe(true)
    expect(isValidState(Number.MAX_SAFE_INTEGER)).toBe(true)
    for (const s of [-1, 1.5, 2 ** 53, Number.NaN, '5', null]) expect(isValidState(s)).toBe(false)
  })
})

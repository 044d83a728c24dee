import { describe, expect, it } from 'vitest'
import { InvalidTidError } from './errors.js'
import { tidClockId, tidFromTime, tidTimestamp } from './tid.js'
import { nextTid, randomClockId, TidClock } from './tid-clock.js'

function expectStrictlyIncreasing(tids: string[]): void {
  for (let i = 1; i < tids.length; i++) {
    if (!(tids[i - 1] < tids[i])) throw new Error(`TID ${i} (${tids[i]}) does not follow ${tids[i - 1]}`)
  }
}

describe('nextTid', () => {
  it('is strictly increasing over 100k calls', () => {
    const tids = Array.from({ length: 100_000 }, () => nextTid())
    expectStrictlyIncreasing(tids)
  })

  it('keeps one clock id for the whole process', () => {
    const ids = new Set(Array.from({ length: 100 }, () => tidClockId(nextTid())))
    expect(ids.size).toBe(1)
  })

  it('stays near the wall clock', () => {
    const drift = tidTimestamp(nextTid()) / 1000 - Date.now()
    // Earlier tests may have run the counter ahead of the clock, but not by seconds.
    expect(Math.abs(drift)).toBeLessThan(5_000)
  })

  it('follows a given previous TID, even one from the future', () => {
    const future = tidFromTime(Date.now() * 1000 + 3_600_000_000, 0)
    const tid = nextTid(future)
    expect(tid > future).toBe(true)
    expect(nextTid() > tid).toBe(true)
  })
})

describe('TidClock', () => {
  it('increases within one microsecond', () => {
    const clock = new TidClock({ clockId: 7, now: () => 1_700_000_000_000_000 })
    const tids = Array.from({ length: 1000 }, () => clock.next())
    expectStrictlyIncreasing(tids)
    expect(tidTimestamp(tids[999])).toBe(1_700_000_000_000_999)
  })

  it('increases when the wall clock steps back, then rejoins it', () => {
    const times = [5_000, 6_000, 1_000, 1_001, 2_000, 9_000]
    let i = 0
    const clock = new TidClock({ clockId: 0, now: () => times[i++] })
    const tids = times.map(() => clock.next())
    expectStrictlyIncreasing(tids)
    expect(tids.map(tidTimestamp)).toEqual([5_000, 6_000, 6_001, 6_002, 6_003, 9_000])
  })

  it('uses its clock id in every TID', () => {
    const clock = new TidClock({ clockId: 1023 })
    expect(tidClockId(clock.next())).toBe(1023)
  })

  it('refuses a bad clock id', () => {
    expect(() => new TidClock({ clockId: 1024 })).toThrow(InvalidTidError)
    expect(() => new TidClock({ clockId: 0.5 })).toThrow(InvalidTidError)
  })

  it('cannot follow a TID with the reserved top bit set', () => {
    const clock = new TidClock({ clockId: 0, now: () => 0 })
    expect(() => clock.next('c222222222222')).toThrow(/no TID can follow/)
  })
})

describe('randomClockId', () => {
  it('stays in 0..1023 and varies', () => {
    const ids = Array.from({ length: 200 }, randomClockId)
    expect(ids.every((id) => Number.isInteger(id) && id >= 0 && id <= 1023)).toBe(true)
    expect(new Set(ids).size).toBeGreaterThan(50)
  })
})

import { describe, expect, it } from 'vitest'
import { FanoutError } from '../errors.js'
import { MemoryEventLog } from './memory-event-log.js'

const frame = (n: number): Uint8Array => new Uint8Array(n)

describe('MemoryEventLog', () => {
  it('reads after a seq, in order, with gaps in the seqs', () => {
    const log = new MemoryEventLog()
    expect([log.head(), log.oldest(), log.read(0, 10)]).toEqual([undefined, undefined, []])
    for (const seq of [2, 3, 7, 10, 11]) log.append(seq, frame(seq))
    expect(log.read(0, 10).map((e) => e.seq)).toEqual([2, 3, 7, 10, 11])
    expect(log.read(3, 2).map((e) => e.seq)).toEqual([7, 10])
    expect(log.read(4, 10).map((e) => e.seq)).toEqual([7, 10, 11])
    expect(log.read(11, 10)).toEqual([])
    expect(log.read(0, 0)).toEqual([])
    expect(log.read(6, 1)[0].frame.length).toBe(7)
    expect([log.head(), log.oldest(), log.prunedThrough()]).toEqual([11, 2, undefined])
  })

  it('refuses seqs that do not increase', () => {
    const log = new MemoryEventLog()
    log.append(5, frame(1))
    expect(() => log.append(5, frame(1))).toThrow(FanoutError)
    expect(() => log.append(0, frame(1))).toThrow(FanoutError)
  })

  it('retains a window by count, bytes and age, always keeping the newest event', () => {
    const byCount = new MemoryEventLog({ maxEvents: 3 })
    for (let s = 1; s <= 3000; s++) byCount.append(s, frame(1))
    expect([byCount.oldest(), byCount.head(), byCount.size]).toEqual([2998, 3000, 3])
    expect(byCount.prunedThrough()).toBe(2997)
    expect(byCount.read(0, 10).map((e) => e.seq)).toEqual([2998, 2999, 3000])

    const byBytes = new MemoryEventLog({ maxBytes: 100 })
    for (let s = 1; s <= 10; s++) byBytes.append(s, frame(30))
    expect([byBytes.oldest(), byBytes.bytes]).toEqual([8, 90])
    byBytes.append(11, frame(500))
    expect([byBytes.oldest(), byBytes.size]).toEqual([11, 1])

    let now = 0
    const byAge = new MemoryEventLog({ maxAgeMs: 1000, now: () => now })
    for (let s = 1; s <= 5; s++) {
      byAge.append(s, frame(1))
      now += 400
    }
    expect(byAge.oldest()).toBe(3)
  })
})

// TID generation. tid.md asks that a generator's output never repeats and only increases, even
// when many TIDs fall in one microsecond or the wall clock is stepped back (NTP, clock smear):
// each TID takes max(now, last + 1) microseconds, so the stream runs ahead of a clock that is
// too slow or stuck and rejoins it once the clock catches up.
import { InvalidTidError } from './errors.js'
import { MAX_CLOCK_ID, MAX_TID_TIMESTAMP, tidFromTime, tidTimestamp } from './tid.js'

export interface TidClockOptions {
  /** 0..1023; random when omitted. Distinct ids keep concurrent generators from colliding. */
  clockId?: number
  /** Current time in microseconds since the UNIX epoch; defaults to the wall clock. */
  now?: () => number
}

function wallClockMicros(): number {
  // Date has millisecond precision; tid.md: pad such a clock by multiplying by 1000.
  return Date.now() * 1000
}

export function randomClockId(): number {
  return globalThis.crypto.getRandomValues(new Uint16Array(1))[0] & MAX_CLOCK_ID
}

export class TidClock {
  readonly clockId: number
  readonly #now: () => number
  #last = -1

  constructor(opts: TidClockOptions = {}) {
    const clockId = opts.clockId ?? randomClockId()
    if (!Number.isInteger(clockId) || clockId < 0 || clockId > MAX_CLOCK_ID) {
      throw new InvalidTidError(`TID clock id must be an integer in 0..${MAX_CLOCK_ID}, got ${clockId}`)
    }
    this.clockId = clockId
    this.#now = opts.now ?? wallClockMicros
  }

  /**
   * The next TID: greater than every TID this clock returned before and, when given, greater
   * than `prev` (say, the last commit rev read back from storage after a restart).
   */
  next(prev?: string): string {
    let micros = Math.floor(this.#now())
    if (micros <= this.#last) micros = this.#last + 1
    if (prev !== undefined) {
      const prevMicros = tidTimestamp(prev)
      if (micros <= prevMicros) micros = prevMicros + 1
    }
    if (micros > MAX_TID_TIMESTAMP) throw new InvalidTidError('TID clock ran past 2^53-1 microseconds')
    const tid = tidFromTime(micros, this.clockId)
    // Only a `prev` with the reserved top bit set sorts above every timestamp we can write.
    if (prev !== undefined && tid <= prev) throw new InvalidTidError(`no TID can follow ${prev}`)
    this.#last = micros
    return tid
  }
}

// Created on first use, not at import, so importing the package has no side effects.
let processClock: TidClock | undefined

/** The next TID from this process's clock, whose random clock id is chosen once per process. */
export function nextTid(prev?: string): string {
  processClock ??= new TidClock()
  return processClock.next(prev)
}

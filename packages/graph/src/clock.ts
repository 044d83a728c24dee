// Hybrid logical clock. A state is one safe integer, `wallMs * 1000 + counter` (counter
// 0..999), so states compare with `<`, need no allocation, and read as milliseconds in
// decimal (the same scale as GUN's fractional-millisecond states, times 1000). A burst of
// more than 1000 writes in one millisecond carries into the next millisecond, keeping states
// strictly increasing. Safe up to wall time 2^53 / 1000 ms (the year 2255).
import { ClockError } from './errors.js'

/** Injected time source (ms since the Unix epoch); the graph never reads the system clock. */
export interface Clock {
  now(): number
}

/** `Date.now()`, for hosts that have nothing better. */
export const systemClock: Clock = { now: () => Date.now() }

export const COUNTER_SLOTS = 1000
export const MAX_STATE = Number.MAX_SAFE_INTEGER
const MAX_WALL_MS = Math.floor(MAX_STATE / COUNTER_SLOTS) - 1

/** The smallest state at wall time `ms`. */
export function stateFromWall(ms: number): number {
  if (!Number.isFinite(ms) || ms < 0 || ms > MAX_WALL_MS)
    throw new ClockError(`clock time out of range: ${ms}`)
  return Math.floor(ms) * COUNTER_SLOTS
}

/** The wall-clock millisecond a state belongs to. */
export function wallOfState(state: number): number {
  return Math.floor(state / COUNTER_SLOTS)
}

/** A valid state is a non-negative safe integer. */
export function isValidState(state: unknown): state is number {
  return typeof state === 'number' && Number.isSafeInteger(state) && state >= 0
}

/**
 * The per-graph HLC: `next()` stamps local writes strictly above every state stamped or
 * observed so far, so a local write always supersedes what this replica has seen.
 */
export class Hlc {
  private last = 0

  get current(): number {
    return this.last
  }

  next(nowMs: number): number {
    const wall = stateFromWall(nowMs)
    const s = this.last >= wall ? this.last + 1 : wall
    if (s > MAX_STATE) throw new ClockError('hybrid logical clock exhausted the safe integer range')
    this.last = s
    return s
  }

  /** Remote states only move the clock within the skew bound the graph enforces first. */
  observe(state: number): void {
    if (state > this.last) this.last = state
  }
}

/** A clock that moves only when told to: for simulations and tests. */
export class ManualClock implements Clock {
  constructor(public ms = 0) {}

  now(): number {
    return this.ms
  }

  advance(ms: number): void {
    this.ms += ms
  }
}

import { describe, expect, it } from 'vitest'
import { PlcDirectory } from './directory.js'
import { RateLimitedError } from './errors.js'
import { assertOpRate } from './op-limits.js'
import { openSqliteStore } from './store/sqlite.js'
import { TestAccount } from './testing.js'

const HOUR = 3_600_000
const T = Date.parse('2026-03-01T12:00:00.000Z')
const at = (...offsets: number[]) => offsets.map((ms) => ({ createdAt: new Date(T + ms).toISOString() }))

function refusal(fn: () => void): RateLimitedError {
  try {
    fn()
  } catch (err) {
    if (err instanceof RateLimitedError) return err
    throw err
  }
  throw new Error('not refused')
}

describe('assertOpRate', () => {
  it('counts only ops younger than the window', () => {
    const history = at(-HOUR, -HOUR + 1, -1000)
    expect(() => assertOpRate('did:plc:x', history, T, { perHour: 3 })).not.toThrow()
    expect(refusal(() => assertOpRate('did:plc:x', history, T, { perHour: 2 })).retryAfter).toBe(1)
  })

  it('names the window that forces the longest wait, rounded up to whole seconds', () => {
    const history = at(-23 * HOUR, -30 * 60_000, -1500)
    const err = refusal(() => assertOpRate('did:plc:x', history, T, { perHour: 2, perDay: 3 }))
    expect(err.message).toContain('3 operations per day')
    expect(err.retryAfter).toBe(3600)
    // The hour alone: the older of the two recent ops leaves in 30 minutes.
    expect(refusal(() => assertOpRate('did:plc:x', history, T, { perHour: 2 })).retryAfter).toBe(1800)
    expect(refusal(() => assertOpRate('did:plc:x', history, T, { perHour: 1 })).retryAfter).toBe(3599)
  })

  it('treats 0 and absent windows as off', () => {
    const burst = at(...Array.from({ length: 50 }, () => 0))
    expect(() => assertOpRate('did:plc:x', burst, T, {})).not.toThrow()
    expect(() => assertOpRate('did:plc:x', burst, T, { perHour: 0, perDay: 0, perWeek: 51 })).not.toThrow()
    expect(refusal(() => assertOpRate('did:plc:x', burst, T, { perWeek: 50 })).retryAfter).toBe(7 * 24 * 3600)
  })
})

describe('PlcDirectory opLimits option', () => {
  async function acceptedOf(opts: ConstructorParameters<typeof PlcDirectory>[1], tries: number) {
    const store = openSqliteStore({ path: ':memory:' })
    const dir = new PlcDirectory(store, opts)
    const a = await TestAccount.create()
    let accepted = 0
    try {
      await dir.submit(a.did, a.genesis)
      accepted++
      for (let i = 1; i < tries; i++) {
        const op = await a.update(`u${i}.test`)
        await dir.submit(a.did, op)
        a.ops.push(op)
        accepted++
      }
    } catch (err) {
      expect(err).toBeInstanceOf(RateLimitedError)
    } finally {
      await store.close()
    }
    return accepted
  }

  it('applies the defaults, replaces them with an object, and turns them off with false', async () => {
    expect(await acceptedOf(undefined, 12)).toBe(10)
    expect(await acceptedOf({ opLimits: { perHour: 3 } }, 12)).toBe(3)
    expect(await acceptedOf({ opLimits: { perWeek: 11 } }, 12)).toBe(11)
    expect(await acceptedOf({ opLimits: false }, 12)).toBe(12)
  })
})

// The per-DID op caps against a real store, run over every backend from store-suite.ts: the
// count comes from the stored log inside the write transaction, so it is the store that must
// make it hold. Time is an injected clock, moved by hand; nothing sleeps.
import { PlcOpError } from '@welkin/identity'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PlcDirectory } from '../directory.js'
import { RateLimitedError } from '../errors.js'
import { DEFAULT_OP_RATE_LIMITS } from '../op-limits.js'
import { type Backend, TestAccount } from '../testing.js'
import type { PlcStore } from './types.js'

const HOUR = 3_600_000
const DAY = 24 * HOUR
const WEEK = 7 * DAY

export function describeOpLimitSuite(backend: Backend, enabled = true): void {
  describe.skipIf(!enabled)(`per-DID op caps over ${backend.name}`, () => {
    let where: string
    let store: PlcStore
    let dir: PlcDirectory
    let now = Date.parse('2026-01-05T00:00:00.000Z')
    const clock = () => now

    beforeAll(async () => {
      where = await backend.fresh()
      store = await backend.open(where, { clock })
      dir = new PlcDirectory(store) // the production defaults
    })

    afterAll(async () => {
      await store?.close()
      if (where) await backend.destroy(where)
    })

    /** A new account with `count` accepted ops (genesis included), all at the current time. */
    async function accountWith(count: number): Promise<TestAccount> {
      const a = await TestAccount.create()
      await dir.submit(a.did, a.genesis)
      for (let i = 1; i < count; i++) {
        const op = await a.update(`u${i}.test`)
        await dir.submit(a.did, op)
        a.ops.push(op)
      }
      return a
    }

    const refusal = (p: Promise<unknown>) =>
      p.then(
        () => expect.fail('the op was accepted'),
        (err: unknown) => err,
      )

    it('refuses the 11th op in an hour with a 429-style error, leaving the log untouched', async () => {
      const a = await accountWith(10)
      const before = await store.getOps(a.did, { includeNullified: true })
      const over = await a.update('over.test')
      const err = await refusal(dir.submit(a.did, over))
      expect(err).toBeInstanceOf(RateLimitedError)
      expect((err as RateLimitedError).retryAfter).toBe(3600)
      expect((err as Error).message).toContain('10 operations per hour')
      expect(await store.getOps(a.did, { includeNullified: true })).toEqual(before)
      // One second before the stated time is still too soon; at the stated time it goes through.
      now += HOUR - 1000
      expect(((await refusal(dir.submit(a.did, over))) as RateLimitedError).retryAfter).toBe(1)
      now += 1000
      expect((await dir.submit(a.did, over)).cid).toBe(a.cid(over))
    })

    it('keeps every trailing hour, day and week within the defaults, and refuses no more than that', async () => {
      const a = await accountWith(1)
      const start = now
      const seen = new Set<string>()
      while (a.ops.length < 101) {
        const op = await a.update(`n${a.ops.length}.test`)
        try {
          await dir.submit(a.did, op)
          a.ops.push(op)
        } catch (err) {
          if (!(err instanceof RateLimitedError)) throw err
          seen.add(/per (\w+)/.exec(err.message)?.[1] ?? '?')
          now += (err.retryAfter - 1) * 1000
          await expect(dir.submit(a.did, op)).rejects.toBeInstanceOf(RateLimitedError)
          now += 1000
        }
      }
      expect([...seen].sort()).toEqual(['day', 'hour', 'week'])
      const times = (await store.getOps(a.did, { includeNullified: true })).map((o) =>
        Date.parse(o.createdAt),
      )
      for (const [ms, max] of [
        [HOUR, DEFAULT_OP_RATE_LIMITS.perHour],
        [DAY, DEFAULT_OP_RATE_LIMITS.perDay],
        [WEEK, DEFAULT_OP_RATE_LIMITS.perWeek],
      ]) {
        for (const t of times)
          expect(times.filter((u) => u <= t && t - u < ms).length).toBeLessThanOrEqual(max)
      }
      // Taken as soon as allowed: 10 an hour, 30 a day, so the 100th op on day 4 (hour 72);
      // the 101st must wait for the week-old genesis to age out.
      expect(times[99] - start).toBe(72 * HOUR)
      expect(times[100] - start).toBe(WEEK)
    })

    it('never refuses a recovery, and counts it afterwards', async () => {
      const a = await accountWith(10)
      // Signed by the same-priority rotation key: invalid, and said so (400), not rate-limited.
      const sameRank = await a.update('fork.test', a.ops[8], a.rotation)
      expect(await refusal(dir.submit(a.did, sameRank))).toBeInstanceOf(PlcOpError)
      const recover = await a.update('recovered.test', a.ops[8], a.recovery)
      await dir.submit(a.did, recover)
      const log = await store.getOps(a.did, { includeNullified: true })
      expect(log.map((o) => o.nullified).filter(Boolean)).toHaveLength(1)
      expect(log).toHaveLength(11)
      const after = await a.update('after.test', recover)
      expect(await refusal(dir.submit(a.did, after))).toBeInstanceOf(RateLimitedError)
    })

    it('holds the cap for racing writers through two store instances', async () => {
      const other = await backend.open(where, { clock })
      try {
        const dirs = [dir, new PlcDirectory(other)]
        const accounts = await Promise.all(Array.from({ length: 4 }, () => accountWith(9)))
        await Promise.all(
          accounts.map(async (a) => {
            // Two candidates for the 10th op and a successor of one of them: at most one 10th
            // op may land, and the successor would be the 11th in the hour.
            const tenth = await a.update('ten.test')
            const rival = await a.update('rival.test')
            const eleventh = await a.update('eleven.test', tenth)
            const results = await Promise.allSettled([
              dirs[0].submit(a.did, tenth),
              dirs[1].submit(a.did, eleventh),
              dirs[1].submit(a.did, rival),
              dirs[0].submit(a.did, eleventh),
            ])
            expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
            expect(results[1].status).toBe('rejected')
            expect(results[3].status).toBe('rejected')
            expect(await other.getOps(a.did, { includeNullified: true })).toHaveLength(10)
          }),
        )
      } finally {
        await other.close()
      }
    })
  })
}

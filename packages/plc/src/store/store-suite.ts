// The storage test suite, run unchanged over every backend (sqlite.test.ts, postgres.test.ts).
import { PlcOpError, validateAuditLog } from '@welkin/identity'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PlcDirectory } from '../directory.js'
import { type Backend, TestAccount } from '../testing.js'
import { describeOpLimitSuite } from './op-limit-suite.js'
import type { PlcStore } from './types.js'

export function describeStoreSuite(backend: Backend, enabled = true): void {
  describe.skipIf(!enabled)(`PlcStore over ${backend.name}`, () => {
    let where: string
    let store: PlcStore
    let dir: PlcDirectory

    beforeAll(async () => {
      where = await backend.fresh()
      store = await backend.open(where)
      dir = new PlcDirectory(store)
    })

    afterAll(async () => {
      await store?.close()
      if (where) await backend.destroy(where)
    })

    it('appends a chain and reads it back in order', async () => {
      const a = await TestAccount.create()
      const first = await dir.submit(a.did, a.genesis)
      const up = await a.update('bob.test')
      const second = await dir.submit(a.did, up)
      expect(second.seq).toBeGreaterThan(first.seq)
      expect((await store.getOps(a.did)).map((o) => o.cid)).toEqual([a.cid(a.genesis), a.cid(up)])
      expect((await store.getLastOp(a.did))?.operation).toEqual(up)
      expect(await store.getLastOp('did:plc:aaaaaaaaaaaaaaaaaaaaaaaa')).toBeNull()
    })

    it('leaves the chain untouched when decide refuses', async () => {
      const a = await TestAccount.create()
      await dir.submit(a.did, a.genesis)
      const before = await store.getOps(a.did, { includeNullified: true })
      const refusal = new Error('no')
      await expect(
        store.appendOp(a.did, () => {
          throw refusal
        }),
      ).rejects.toBe(refusal)
      expect(await store.getOps(a.did, { includeNullified: true })).toEqual(before)
    })

    it('marks nullified ops and keeps them in the audit log', async () => {
      const a = await TestAccount.create()
      await dir.submit(a.did, a.genesis)
      const hijack = await a.update('mallory.test', a.genesis, a.rotation)
      await dir.submit(a.did, hijack)
      const recover = await a.update('alice.test', a.genesis, a.recovery)
      await dir.submit(a.did, recover)
      const all = await store.getOps(a.did, { includeNullified: true })
      expect(all.map((o) => o.nullified)).toEqual([false, true, false])
      expect((await store.getOps(a.did)).map((o) => o.cid)).toEqual([a.cid(a.genesis), a.cid(recover)])
      expect(validateAuditLog(a.did, all)?.alsoKnownAs).toEqual(['at://alice.test'])
    })

    it('serializes concurrent writes to one DID: of racing forks exactly one wins', async () => {
      const a = await TestAccount.create()
      await dir.submit(a.did, a.genesis)
      const racers = await Promise.all(
        Array.from({ length: 12 }, (_, i) => a.update(`r${i}.test`, a.genesis)),
      )
      const results = await Promise.allSettled(racers.map((op) => dir.submit(a.did, op)))
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(PlcOpError)
      expect(await store.getOps(a.did, { includeNullified: true })).toHaveLength(2)
    })

    it('serializes writers that share the database through separate store instances', async () => {
      const other = await backend.open(where)
      try {
        const dirs = [dir, new PlcDirectory(other)]
        const a = await TestAccount.create()
        await dir.submit(a.did, a.genesis)
        const racers = await Promise.all(
          Array.from({ length: 12 }, (_, i) => a.update(`r${i}.test`, a.genesis)),
        )
        const results = await Promise.allSettled(racers.map((op, i) => dirs[i % 2].submit(a.did, op)))
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
        expect(await other.getOps(a.did, { includeNullified: true })).toHaveLength(2)
      } finally {
        await other.close()
      }
    })

    it('keeps DIDs independent and numbers every op once, in createdAt order', async () => {
      const accounts = await Promise.all(Array.from({ length: 8 }, () => TestAccount.create()))
      await Promise.all(accounts.map((a) => dir.submit(a.did, a.genesis)))
      const updates = await Promise.all(accounts.map((a) => a.update('next.test')))
      await Promise.all(accounts.map((a, i) => dir.submit(a.did, updates[i])))
      const all = await store.exportBySeq(0, 1000)
      const seqs = all.map((o) => o.seq)
      expect(new Set(seqs).size).toBe(seqs.length)
      expect([...seqs].sort((x, y) => x - y)).toEqual(seqs)
      for (let i = 1; i < all.length; i++) expect(all[i].createdAt >= all[i - 1].createdAt).toBe(true)
    })

    it('pages the export by seq and by time without losing or repeating ops', async () => {
      const total = (await store.exportBySeq(0, 1000)).length
      const bySeq: number[] = []
      for (let after = 0; ; ) {
        const page = await store.exportBySeq(after, 3)
        if (page.length === 0) break
        bySeq.push(...page.map((o) => o.seq))
        after = page[page.length - 1].seq
      }
      expect(bySeq).toHaveLength(total)
      const byTime: number[] = []
      let cursor: string | undefined
      for (let guard = 0; guard < 100; guard++) {
        const page = await store.exportByTime(cursor, 2)
        if (page.length === 0) break
        byTime.push(...page.map((o) => o.seq))
        cursor = page[page.length - 1].createdAt
      }
      expect(byTime).toEqual(bySeq)
    })

    it('survives being closed and reopened', async () => {
      const a = await TestAccount.create()
      await dir.submit(a.did, a.genesis)
      await store.close()
      store = await backend.open(where)
      dir = new PlcDirectory(store)
      expect((await store.getLastOp(a.did))?.cid).toBe(a.cid(a.genesis))
      await store.healthCheck()
    })
  })
  describeOpLimitSuite(backend, enabled)
}

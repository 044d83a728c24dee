import { describe, expect, it } from 'vitest'
import { PlcDirectory } from '../directory.js'
import { sqliteBackend, TestAccount } from '../testing.js'
import { openSqliteStore } from './sqlite.js'
import { describeStoreSuite } from './store-suite.js'

describeStoreSuite(sqliteBackend)

describe('SQLite group commit', () => {
  it('commits a burst of submissions together and settles each one by its own verdict', async () => {
    const store = openSqliteStore({ path: ':memory:' })
    const dir = new PlcDirectory(store)
    const accounts = await Promise.all(Array.from({ length: 20 }, () => TestAccount.create()))
    const forged = { ...accounts[0].genesis, alsoKnownAs: ['at://forged.test'] }
    const results = await Promise.allSettled([
      ...accounts.map((a) => dir.submit(a.did, a.genesis)),
      dir.submit(accounts[0].did, forged),
    ])
    expect(results.slice(0, 20).every((r) => r.status === 'fulfilled')).toBe(true)
    expect(results[20].status).toBe('rejected')
    expect(await store.exportBySeq(0, 100)).toHaveLength(20)
    await store.close()
    await expect(dir.submit(accounts[1].did, accounts[1].genesis)).rejects.toThrow(/closed/)
  })
})

import { afterEach, describe, expect, it } from 'vitest'
import { openDatabase } from '../db/database.js'
import { tempDir } from '../testing/harness.js'
import { StateStore } from './state-store.js'

const dirs: ReturnType<typeof tempDir>[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) d.remove()
})

function open() {
  const dir = tempDir()
  dirs.push(dir)
  const path = `${dir.path}/relay.sqlite`
  return { path, db: openDatabase(path) }
}

describe('StateStore', () => {
  it('keeps dirty states readable past LRU eviction until written, then reads them from SQLite', () => {
    const { path, db } = open()
    const store = new StateStore(db, 2)
    for (let i = 0; i < 5; i++) {
      const s = store.getOrBlank(`did:plc:${'a'.repeat(23)}${i}`)
      s.rev = `3kaaaaaaaaaa${i}`
      s.head = 'x'.repeat(36)
      store.put(s)
    }
    expect(store.cacheSize).toBe(2)
    expect(store.get(`did:plc:${'a'.repeat(23)}0`)?.rev).toBe('3kaaaaaaaaaa0')
    expect(store.writeDirty()).toBe(5)
    db.close()
    const again = new StateStore(openDatabase(path), 2)
    const s = again.get(`did:plc:${'a'.repeat(23)}3`)!
    expect(s.rev).toBe('3kaaaaaaaaaa3')
    expect(s.head).toBe('x'.repeat(36))
    expect(again.count()).toBe(5)
    expect(again.listRepos('', 10).map((r) => r.rev)).toHaveLength(5)
  })

  it('snapshots rows when taken, so later in-place changes wait for the next flush', () => {
    const { db } = open()
    const store = new StateStore(db, 10)
    const s = store.getOrBlank(`did:plc:${'b'.repeat(24)}`)
    s.rev = '3kaaaaaaaaaa1'
    store.put(s)
    const rows = store.takeDirtyRows()
    s.rev = '3kaaaaaaaaaa2'
    store.put(s)
    store.writeRows(rows)
    const fresh = new StateStore(db, 10)
    expect(fresh.get(s.did)?.rev).toBe('3kaaaaaaaaaa1')
    store.writeDirty()
    expect(new StateStore(db, 10).get(s.did)?.rev).toBe('3kaaaaaaaaaa2')
  })
})

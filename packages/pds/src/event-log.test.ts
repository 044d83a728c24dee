import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { PdsDatabase } from './db/database.js'
import { SqliteEventLog } from './event-log.js'
import { decodeEventFrame, identityBody } from './events.js'
import { type SequencedEvent, Sequencer } from './sequencer.js'
import { tempDir } from './testing.js'

const cleanups: (() => void | Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c()
})
function setup() {
  const d = tempDir()
  const path = join(d.path, 'db.sqlite')
  const db = PdsDatabase.open(path)
  cleanups.push(async () => {
    await db.shutdown()
    d.remove()
  })
  return { db, path, seq: new Sequencer(db) }
}
const emit = (seq: Sequencer, did: string, time?: string) =>
  seq.transact(() => seq.append(did, '#identity', identityBody({ did }), time))

describe('Sequencer', () => {
  it('gives consecutive seqs and publishes only after commit, in order', () => {
    const { seq } = setup()
    const seen: SequencedEvent[] = []
    seq.subscribe((e) => seen.push(e))
    seq.transact(() => {
      seq.append('did:plc:a', '#identity', identityBody({ did: 'did:plc:a' }))
      seq.append('did:plc:a', '#identity', identityBody({ did: 'did:plc:a' }))
      expect(seen).toEqual([])
    })
    emit(seq, 'did:plc:b')
    expect(seen.map((e) => e.seq)).toEqual([1, 2, 3])
    expect(decodeEventFrame(seen[2].frame).body.seq).toBe(3)
  })

  it('gives back the seqs of a rolled-back transaction', () => {
    const { seq } = setup()
    const seen: number[] = []
    seq.subscribe((e) => seen.push(e.seq))
    emit(seq, 'did:plc:a')
    expect(() =>
      seq.transact(() => {
        seq.append('did:plc:a', '#identity', identityBody({ did: 'did:plc:a' }))
        throw new Error('rollback')
      }),
    ).toThrow('rollback')
    seq.transact(() => {
      seq.append('did:plc:b', '#identity', identityBody({ did: 'did:plc:b' }))
      expect(() =>
        seq.transact(() => {
          seq.append('did:plc:c', '#identity', identityBody({ did: 'did:plc:c' }))
          throw new Error('inner')
        }),
      ).toThrow('inner')
      seq.append('did:plc:d', '#identity', identityBody({ did: 'did:plc:d' }))
    })
    expect(seen).toEqual([1, 2, 3])
  })

  it('refuses to append outside a transaction', () => {
    const { seq } = setup()
    expect(() => seq.append('did:plc:a', '#identity', identityBody({ did: 'did:plc:a' }))).toThrow(/transact/)
  })

  it('survives a throwing subscriber', () => {
    const { seq } = setup()
    seq.subscribe(() => {
      throw new Error('bad listener')
    })
    expect(() => emit(seq, 'did:plc:a')).not.toThrow()
  })

  it('continues after the highest seq on reopen, even when older events were pruned', async () => {
    const { db, path, seq } = setup()
    for (let i = 0; i < 5; i++) emit(seq, 'did:plc:a')
    const log = new SqliteEventLog(db, 0)
    expect(log.prune(Date.now() + 1000)).toBe(4) // keeps the newest
    expect(log.oldest()).toBe(5)
    await db.shutdown()
    const again = PdsDatabase.open(path)
    cleanups.unshift(() => again.shutdown())
    expect(new Sequencer(again).nextSeq).toBe(6)
  })
})

describe('SqliteEventLog', () => {
  it('reads after a cursor, bounded by limit', () => {
    const { db, seq } = setup()
    const log = new SqliteEventLog(db)
    expect(log.head()).toBeNull()
    expect(log.oldest()).toBeNull()
    for (let i = 0; i < 10; i++) emit(seq, `did:plc:${i}`)
    expect(log.head()).toBe(10)
    expect(log.oldest()).toBe(1)
    expect(log.read(3, 4).map((e) => e.seq)).toEqual([4, 5, 6, 7])
    expect(log.read(9, 100).map((e) => e.did)).toEqual(['did:plc:9'])
    expect(log.read(10, 100)).toEqual([])
    expect(log.read(0, 0)).toEqual([])
    expect(decodeEventFrame(log.read(0, 1)[0].frame).type).toBe('#identity')
  })

  it('prunes only the expired prefix, in batches', () => {
    const { db, seq } = setup()
    const log = new SqliteEventLog(db, 1000)
    const now = Date.now()
    const setTime = db.prepare('UPDATE repo_seq SET created_at = ? WHERE seq = ?')
    for (let i = 0; i < 12; i++) emit(seq, 'did:plc:a')
    // seqs 1-7 old, 8 fresh, 9 old again (a clock step back), 10-12 fresh.
    for (let s = 1; s <= 12; s++) setTime.run(s <= 7 || s === 9 ? now - 5000 : now, s)
    expect(log.prune(now, 3)).toBe(7)
    expect(log.oldest()).toBe(8)
    expect(log.read(0, 100).map((e) => e.seq)).toEqual([8, 9, 10, 11, 12])
  })
})

import { Secp256k1Keypair } from '@welkin/crypto'
import { type CID, cidForCbor, encodeCbor } from '@welkin/data'
import { InvalidWriteError, readRepoRecords, verifyRepoCar } from '@welkin/repo'
import { nextTid } from '@welkin/syntax'
import { afterEach, describe, expect, it } from 'vitest'
import {
  AccountInactiveError,
  AccountNotFoundError,
  ConcurrentWriteError,
  InvalidRepoWriteError,
  InvalidSwapError,
} from './errors.js'
import { decodeEventFrame } from './events.js'
import type { PdsStore } from './pds-store.js'
import { RepoWriter } from './repo-writer.js'
import { createTestAccount, openTestStore, testPost } from './testing.js'
import { verifyPdsStore } from './verify-store.js'

const POST = 'app.bsky.feed.post'
const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c()
})
async function setup(env = {}) {
  const t = await openTestStore(env)
  cleanups.push(t.cleanup)
  return t
}

async function exportCar(store: PdsStore, did: string): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const p of store.reader.exportCar(did)) parts.push(p)
  return Buffer.concat(parts)
}

function eventTypes(store: PdsStore, did: string): string[] {
  return store.events
    .read(0, 1000)
    .filter((e) => e.did === did)
    .map((e) => e.type)
}

describe('RepoWriter', () => {
  it('creates an account with #identity, #account, #commit in one transaction', async () => {
    const { store } = await setup()
    const { did, key } = await createTestAccount(store, 1)
    expect(eventTypes(store, did)).toEqual(['#identity', '#account', '#commit'])
    const [identity, account, commit] = store.events.read(0, 3).map((e) => decodeEventFrame(e.frame).body)
    expect(identity).toMatchObject({ did, handle: 'user1.test' })
    expect(account).toMatchObject({ did, active: true })
    expect(commit).toMatchObject({ repo: did, since: null, ops: [] })
    const info = await verifyRepoCar(await exportCar(store, did), { did, key: key.did() })
    expect(info.recordCount).toBe(0)
  })

  it('applies creates, updates and deletes, and the export matches the record table', async () => {
    const { store } = await setup()
    const { did, key } = await createTestAccount(store, 1)
    const keys = [nextTid(), nextTid(), nextTid()]
    const first = await store.writer.applyWrites(
      did,
      keys.map((rkey, i) => ({ action: 'create' as const, collection: POST, rkey, record: testPost(i) })),
    )
    expect(first.results.map((r) => r.uri)).toEqual(keys.map((k) => `at://${did}/${POST}/${k}`))
    expect(first.ops.every((o) => o.action === 'create')).toBe(true)
    const second = await store.writer.applyWrites(did, [
      { action: 'update', collection: POST, rkey: keys[0], record: testPost(0, 'edited') },
      { action: 'delete', collection: POST, rkey: keys[1] },
    ])
    expect(second.since).toBe(first.rev)
    expect(second.prevData?.equals(first.data)).toBe(true)
    expect(second.results[1].cid).toBeNull()
    expect(store.reader.getRecord(did, POST, keys[0])?.value).toMatchObject({ text: 'edited' })
    expect(store.reader.getRecord(did, POST, keys[1])).toBeNull()
    expect(store.reader.listRecords(did, POST).map((r) => r.uri.split('/').pop())).toEqual([keys[2], keys[0]])
    expect(store.reader.listRecords(did, POST, { reverse: true, cursor: keys[0] }).length).toBe(1)
    expect(store.reader.listCollections(did)).toEqual([POST])
    const car = await exportCar(store, did)
    const info = await verifyRepoCar(car, { did, key: key.did() })
    expect(info.rev).toBe(second.rev)
    const recs = []
    for await (const r of readRepoRecords(car)) recs.push(r.rkey)
    expect(recs.sort()).toEqual([keys[0], keys[2]].sort())
    const report = await verifyPdsStore(store.db)
    expect(report.problems).toEqual([])
    expect(report.commitEvents).toBe(3)
  })

  it('checks swapCommit and swapRecord, and keeps working after a refused write', async () => {
    const { store } = await setup()
    const { did } = await createTestAccount(store, 1)
    const rkey = nextTid()
    const c1 = await store.writer.applyWrites(did, [
      { action: 'create', collection: POST, rkey, record: testPost(1) },
    ])
    const recordCid = c1.results[0].cid as CID
    const stale = cidForCbor(encodeCbor({ stale: true }))
    await expect(store.writer.applyWrites(did, [], { swapCommit: stale })).rejects.toThrow(InvalidSwapError)
    await expect(
      store.writer.applyWrites(did, [
        { action: 'update', collection: POST, rkey, record: testPost(2), swapRecord: stale },
      ]),
    ).rejects.toThrow(InvalidSwapError)
    await expect(
      store.writer.applyWrites(did, [
        { action: 'create', collection: POST, rkey: nextTid(), record: testPost(3), swapRecord: recordCid },
      ]),
    ).rejects.toThrow(InvalidSwapError)
    await expect(
      store.writer.applyWrites(did, [{ action: 'create', collection: POST, rkey, record: testPost(4) }]),
    ).rejects.toThrow(InvalidWriteError)
    const ok = await store.writer.applyWrites(
      did,
      [{ action: 'update', collection: POST, rkey, record: testPost(5), swapRecord: recordCid }],
      { swapCommit: c1.cid },
    )
    expect(ok.since).toBe(c1.rev)
    const fresh = await store.writer.applyWrites(did, [
      { action: 'create', collection: POST, rkey: nextTid(), record: testPost(6), swapRecord: null },
    ])
    expect(fresh.since).toBe(ok.rev)
    expect((await verifyPdsStore(store.db)).problems).toEqual([])
  })

  it('refuses writes to unknown and inactive accounts', async () => {
    const { store } = await setup()
    await expect(store.writer.applyWrites('did:plc:nobody', [])).rejects.toThrow(AccountNotFoundError)
    const { did } = await createTestAccount(store, 1)
    await store.accounts.deactivate(did)
    await expect(
      store.writer.applyWrites(did, [
        { action: 'create', collection: POST, rkey: nextTid(), record: testPost(1) },
      ]),
    ).rejects.toThrow(AccountInactiveError)
  })

  it('refuses a record over the size limit', async () => {
    const { store } = await setup()
    const { did } = await createTestAccount(store, 1)
    const big = { $type: POST, text: 'x'.repeat(1_000_100), createdAt: new Date().toISOString() }
    await expect(
      store.writer.applyWrites(did, [{ action: 'create', collection: POST, rkey: nextTid(), record: big }]),
    ).rejects.toThrow(InvalidRepoWriteError)
  })

  it('serializes writes per DID and groups concurrent DIDs into shared transactions', async () => {
    const { store } = await setup()
    const dids = []
    for (let i = 0; i < 6; i++) dids.push((await createTestAccount(store, i)).did)
    const before = store.writer.committer.batches
    const perDid = 15
    await Promise.all(
      dids.flatMap((did) =>
        Array.from({ length: perDid }, (_, i) =>
          store.writer.applyWrites(did, [
            { action: 'create', collection: POST, rkey: nextTid(), record: testPost(i) },
          ]),
        ),
      ),
    )
    const batches = store.writer.committer.batches - before
    expect(batches).toBeLessThan(6 * perDid)
    for (const did of dids) expect(store.reader.listRecords(did, POST, { limit: 100 }).length).toBe(perDid)
    const report = await verifyPdsStore(store.db)
    expect(report.problems).toEqual([])
    expect(report.commitEvents).toBe(6 * (perDid + 1))
  })

  it('isolates a failing write inside a grouped transaction', async () => {
    const { store } = await setup()
    const a = (await createTestAccount(store, 1)).did
    const b = (await createTestAccount(store, 2)).did
    const c = (await createTestAccount(store, 3)).did
    // b goes inactive in the database behind the writer's back: its commit fails in the transaction.
    store.db.prepare(`UPDATE account SET status = 'takendown' WHERE did = ?`).run(b)
    const write = (did: string) =>
      store.writer.applyWrites(did, [
        { action: 'create', collection: POST, rkey: nextTid(), record: testPost(1) },
      ])
    const results = await Promise.allSettled([write(a), write(b), write(c)])
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    const seqs = store.events.read(0, 100).map((e) => e.seq)
    expect(seqs).toEqual(seqs.map((_, i) => i + 1))
    expect((await verifyPdsStore(store.db)).problems).toEqual([])
  })

  it('refuses to fork a repo when another writer moved it, then recovers', async () => {
    const { store } = await setup()
    const { did } = await createTestAccount(store, 1)
    // A second writer over the same database, as a second process would be.
    const other = new RepoWriter({ db: store.db, sequencer: store.sequencer })
    const write = (w: RepoWriter, i: number) =>
      w.applyWrites(did, [{ action: 'create', collection: POST, rkey: nextTid(), record: testPost(i) }])
    await write(other, 1)
    // store.writer still holds the root from before: its commit must not fork the repo.
    await expect(write(store.writer, 2)).rejects.toThrow(ConcurrentWriteError)
    await write(store.writer, 3) // reloaded from the database
    await expect(write(other, 4)).rejects.toThrow(ConcurrentWriteError)
    await write(other, 5)
    other.nodeGc.stop()
    expect(store.reader.listRecords(did, POST).length).toBe(3)
    expect((await verifyPdsStore(store.db)).problems).toEqual([])
  })

  it('continues the chain after a restart', async () => {
    const t = await openTestStore()
    const { did } = await createTestAccount(t.store, 1)
    const c1 = await t.store.writer.applyWrites(did, [
      { action: 'create', collection: POST, rkey: nextTid(), record: testPost(1) },
    ])
    await t.store.close()
    const again = await openTestStore({}, t.dir)
    cleanups.push(async () => {
      await again.cleanup()
      await t.cleanup()
    })
    const c2 = await again.store.writer.applyWrites(did, [
      { action: 'create', collection: POST, rkey: nextTid(), record: testPost(2) },
    ])
    expect(c2.since).toBe(c1.rev)
    expect(c2.seq).toBe(c1.seq + 1)
    expect((await verifyPdsStore(again.store.db)).problems).toEqual([])
  })

  it('signs with the account key and reports a bad key in the store as a failed check', async () => {
    const { store } = await setup()
    const { did } = await createTestAccount(store, 1)
    await store.writer.applyWrites(did, [
      { action: 'create', collection: POST, rkey: nextTid(), record: testPost(1) },
    ])
    // Swap the stored key: the repo's signatures no longer match it, and the check must say so.
    store.db
      .prepare('UPDATE account SET signing_key = ? WHERE did = ?')
      .run(Secp256k1Keypair.createSync().export(), did)
    const report = await verifyPdsStore(store.db)
    expect(report.problems.length).toBeGreaterThan(0)
    expect(report.problems.join('\n')).toMatch(/does not verify/)
  })
})

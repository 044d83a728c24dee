import { readCar } from '@welkin/data'
import { verifyRepoCar } from '@welkin/repo'
import { nextTid } from '@welkin/syntax'
import { afterEach, describe, expect, it } from 'vitest'
import { RepoNotFoundError } from './errors.js'
import { createTestAccount, openTestStore, testPost } from './testing.js'

const POST = 'app.bsky.feed.post'
const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c()
})

describe('RepoReader', () => {
  it('exports a consistent snapshot while writes and garbage collection continue', async () => {
    const t = await openTestStore()
    cleanups.push(t.cleanup)
    const { store } = t
    const { did, key } = await createTestAccount(store, 1)
    const rkeys: string[] = []
    for (let i = 0; i < 40; i++) {
      const rkey = nextTid()
      rkeys.push(rkey)
      await store.writer.applyWrites(did, [{ action: 'create', collection: POST, rkey, record: testPost(i) }])
    }
    const root = store.reader.getRoot(did)!
    const iter = store.reader.exportCar(did)[Symbol.asyncIterator]()
    const parts: Uint8Array[] = [(await iter.next()).value as Uint8Array]
    // The tree changes under the export and dropped nodes are deleted from repo_block.
    for (let i = 0; i < 20; i++) {
      await store.writer.applyWrites(did, [{ action: 'delete', collection: POST, rkey: rkeys[i] }])
    }
    while (store.writer.collectGarbage(1000) > 0) {}
    for (let r = await iter.next(); !r.done; r = await iter.next()) parts.push(r.value)
    const info = await verifyRepoCar(Buffer.concat(parts), { did, key: key.did() })
    expect(info.commit.equals(root.cid)).toBe(true)
    expect(info.recordCount).toBe(40)
  })

  it('serves blocks by CID: nodes, the commit and records', async () => {
    const t = await openTestStore()
    cleanups.push(t.cleanup)
    const { store } = t
    const { did } = await createTestAccount(store, 1)
    const c = await store.writer.applyWrites(did, [
      { action: 'create', collection: POST, rkey: nextTid(), record: testPost(1) },
      { action: 'create', collection: POST, rkey: nextTid(), record: testPost(2) },
    ])
    const parts: Uint8Array[] = []
    for await (const p of store.reader.exportCar(did)) parts.push(p)
    const { blocks } = await readCar(Buffer.concat(parts))
    const all = [...blocks.cids()]
    expect(all.some((x) => x.equals(c.cid))).toBe(true)
    const other = (await createTestAccount(store, 2)).did
    const got = store.reader.getBlocks(did, all)
    expect(got.missing).toEqual([])
    for (const b of blocks) expect(got.blocks.get(b.cid)).toEqual(b.bytes)
    const foreign = store.reader.getBlocks(other, all)
    expect(foreign.missing.length).toBe(all.length)
    expect(() => store.reader.exportCar('did:plc:nobody')).toThrow(RepoNotFoundError)
    expect(
      store.reader.getRecord(did, POST, c.results[0].uri.split('/').pop()!, c.results[1].cid!),
    ).toBeNull()
  })
})

import { existsSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { type BlobRef, cidForRaw } from '@welkin/data'
import { nextTid } from '@welkin/syntax'
import { afterEach, describe, expect, it } from 'vitest'
import { BlobService } from './blobs.js'
import { BlobNotFoundError, BlobTooLargeError } from './errors.js'
import type { PdsStore } from './pds-store.js'
import { createTestAccount, openTestStore } from './testing.js'

const POST = 'app.bsky.feed.post'
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 1, 2, 3, 4])
const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c()
})

let clock = Date.now()
async function setup(env = {}) {
  const t = await openTestStore(env)
  cleanups.push(t.cleanup)
  // A service over the same files and database with a clock the test moves.
  const blobs = new BlobService(t.store.db, t.store.blobs.store, { uploadLimit: 1000, now: () => clock })
  return { ...t, blobs }
}

async function read(blobs: BlobService, did: string, cid: string): Promise<Buffer> {
  const { stream } = await blobs.get(did, cid)
  const parts: Buffer[] = []
  for await (const c of stream) parts.push(c as Buffer)
  return Buffer.concat(parts)
}

const postWith = (blob: BlobRef) => ({
  $type: POST,
  text: 'look',
  createdAt: new Date().toISOString(),
  embed: { $type: 'app.bsky.embed.images', images: [{ alt: '', image: blob }] },
})

function blobRow(store: PdsStore, did: string, cid: string) {
  return store.db.prepare('SELECT permanent, temp_key FROM blob WHERE did = ? AND cid = ?').get(did, cid) as
    | { permanent: number; temp_key: string | null }
    | undefined
}

describe('BlobService', () => {
  it('keeps an upload temporary and unserved until a record references it', async () => {
    const { store, blobs } = await setup()
    const { did } = await createTestAccount(store, 1)
    const ref = await blobs.upload(did, PNG, { mimeType: 'application/octet-stream' })
    expect(ref).toMatchObject({ $type: 'blob', mimeType: 'image/png', size: PNG.length })
    expect(ref.ref.equals(cidForRaw(PNG))).toBe(true)
    const cid = ref.ref.toString()
    await expect(blobs.get(did, cid)).rejects.toThrow(BlobNotFoundError)
    expect(blobs.list(did)).toEqual([])

    const rkey = nextTid()
    const commit = await store.writer.applyWrites(did, [
      { action: 'create', collection: POST, rkey, record: postWith(ref) },
    ])
    expect(blobRow(store, did, cid)).toEqual({ permanent: 1, temp_key: null })
    expect(await read(blobs, did, cid)).toEqual(Buffer.from(PNG))
    expect(blobs.list(did)).toEqual([cid])
    expect(blobs.list(did, { since: commit.rev })).toEqual([])
    expect(blobs.list(did, { since: commit.since! })).toEqual([cid])

    // Uploading the same bytes again changes nothing.
    const again = await blobs.upload(did, PNG)
    expect(again.ref.equals(ref.ref)).toBe(true)
    expect(blobRow(store, did, cid)).toEqual({ permanent: 1, temp_key: null })
  })

  it('refuses a record referencing a blob the account never uploaded, atomically', async () => {
    const { store } = await setup()
    const { did } = await createTestAccount(store, 1)
    const other = await createTestAccount(store, 2)
    const ref = await store.blobs.upload(other.did, PNG)
    const head = store.events.head()
    await expect(
      store.writer.applyWrites(did, [
        { action: 'create', collection: POST, rkey: nextTid(), record: postWith(ref) },
      ]),
    ).rejects.toThrow(BlobNotFoundError)
    expect(store.events.head()).toBe(head)
    expect(store.reader.listRecords(did, POST)).toEqual([])
  })

  it('deletes a blob with the last record that references it', async () => {
    const { store, blobs } = await setup()
    const { did } = await createTestAccount(store, 1)
    const ref = await blobs.upload(did, PNG)
    const cid = ref.ref.toString()
    const [a, b] = [nextTid(), nextTid()]
    await store.writer.applyWrites(did, [
      { action: 'create', collection: POST, rkey: a, record: postWith(ref) },
      { action: 'create', collection: POST, rkey: b, record: postWith(ref) },
    ])
    const path = store.blobs.store.permanentPath(did, cid)
    await store.writer.applyWrites(did, [{ action: 'delete', collection: POST, rkey: a }])
    expect(existsSync(path)).toBe(true)
    await store.writer.applyWrites(did, [
      {
        action: 'update',
        collection: POST,
        rkey: b,
        record: { $type: POST, text: 'no image', createdAt: new Date().toISOString() },
      },
    ])
    expect(blobRow(store, did, cid)).toBeUndefined()
    expect(existsSync(path)).toBe(false)
    await expect(blobs.get(did, cid)).rejects.toThrow(BlobNotFoundError)
  })

  it('enforces the upload limit', async () => {
    const { store, blobs } = await setup()
    const { did } = await createTestAccount(store, 1)
    await expect(blobs.upload(did, new Uint8Array(1001))).rejects.toThrow(BlobTooLargeError)
  })

  it('collects expired uploads, stray files and orphans, but nothing in use', async () => {
    const { store, blobs } = await setup()
    const { did } = await createTestAccount(store, 1)
    clock = Date.now()
    const used = await blobs.upload(did, PNG)
    await store.writer.applyWrites(did, [
      { action: 'create', collection: POST, rkey: nextTid(), record: postWith(used) },
    ])
    const old = await blobs.upload(did, new TextEncoder().encode('old upload'))
    clock += 30 * 60_000
    const fresh = await blobs.upload(did, new TextEncoder().encode('fresh upload'))
    const disk = store.blobs.store
    const stray = join(disk.tmpLocation, 'ab'.repeat(16))
    writeFileSync(stray, 'left by a crash')
    utimesSync(stray, new Date(clock - 2 * 3600_000), new Date(clock - 2 * 3600_000))
    const orphan = disk.permanentPath(did, cidForRaw(new TextEncoder().encode('orphan')))
    writeFileSync(orphan, 'orphan')
    clock += 31 * 60_000 // `old` is now over an hour old, `fresh` is not
    const report = await blobs.gc()
    expect(report).toEqual({ expiredUploads: 1, strayTempFiles: 1, unreferencedBlobs: 0, orphanFiles: 1 })
    expect(blobRow(store, did, old.ref.toString())).toBeUndefined()
    expect(blobRow(store, did, fresh.ref.toString())?.permanent).toBe(0)
    expect(existsSync(stray)).toBe(false)
    expect(existsSync(orphan)).toBe(false)
    expect(await read(blobs, did, used.ref.toString())).toEqual(Buffer.from(PNG))
    // A fresh upload can still be used after the collection.
    await store.writer.applyWrites(did, [
      { action: 'create', collection: POST, rkey: nextTid(), record: postWith(fresh) },
    ])
    expect(blobRow(store, did, fresh.ref.toString())?.permanent).toBe(1)
  })

  it('finishes a file move that a crash interrupted', async () => {
    const { store } = await setup()
    const { did } = await createTestAccount(store, 1)
    const ref = await store.blobs.upload(did, PNG)
    const cid = ref.ref.toString()
    const key = blobRow(store, did, cid)!.temp_key!
    // What a crash right after the commit leaves: permanent in the database, file still in tmp.
    store.db.prepare('UPDATE blob SET permanent = 1 WHERE did = ? AND cid = ?').run(did, cid)
    expect(await store.blobs.finishPendingMoves()).toBe(1)
    expect(existsSync(store.blobs.store.tempPath(key))).toBe(false)
    expect(blobRow(store, did, cid)).toEqual({ permanent: 1, temp_key: null })
  })
})

// The write endpoints' rules: swaps, applyWrites batches, validation modes, record keys, blob
// references. Driven with raw XRPC calls to see statuses and error names.
import { openPlcStore, PlcDirectory, type PlcServer, startPlcServer } from '@welkin/plc'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Harness, startHarness, type TestAccount, xrpc } from './harness.js'

let plc: PlcServer
let h: Harness
let carol: TestAccount

const now = () => new Date().toISOString()
const post = (text: string) => ({ $type: 'app.bsky.feed.post', text, createdAt: now() })

beforeAll(async () => {
  plc = await startPlcServer(new PlcDirectory(await openPlcStore({})), { port: 0 })
  h = await startHarness(plc.url)
  carol = await h.account('carol')
})

afterAll(async () => {
  await h?.close()
  await plc?.close()
})

const call = (nsid: string, body: unknown) => xrpc(h.url, nsid, { token: carol.accessJwt, body })
const head = async () =>
  (await xrpc(h.url, 'com.atproto.sync.getLatestCommit', { query: { did: carol.did } })).body as {
    cid: string
    rev: string
  }

describe('applyWrites', () => {
  it('applies creates, updates and deletes as one commit', async () => {
    const before = await head()
    const res = await call('com.atproto.repo.applyWrites', {
      repo: carol.did,
      writes: [
        {
          $type: 'com.atproto.repo.applyWrites#create',
          collection: 'app.bsky.feed.post',
          rkey: '3jzfcijpj2z2a',
          value: post('a'),
        },
        { $type: 'com.atproto.repo.applyWrites#create', collection: 'app.bsky.feed.post', value: post('b') },
        {
          $type: 'com.atproto.repo.applyWrites#create',
          collection: 'com.example.thing',
          rkey: 'k1',
          value: { n: 1 },
        },
      ],
    })
    expect(res.status).toBe(200)
    expect(res.body.results.map((r: { $type: string }) => r.$type)).toEqual([
      'com.atproto.repo.applyWrites#createResult',
      'com.atproto.repo.applyWrites#createResult',
      'com.atproto.repo.applyWrites#createResult',
    ])
    expect(res.body.results.map((r: { validationStatus: string }) => r.validationStatus)).toEqual([
      'valid',
      'valid',
      'unknown',
    ])
    expect(res.body.commit.rev > before.rev).toBe(true)
    const second = await call('com.atproto.repo.applyWrites', {
      repo: carol.handle,
      swapCommit: res.body.commit.cid,
      writes: [
        {
          $type: 'com.atproto.repo.applyWrites#update',
          collection: 'app.bsky.feed.post',
          rkey: '3jzfcijpj2z2a',
          value: post('a2'),
        },
        { $type: 'com.atproto.repo.applyWrites#delete', collection: 'com.example.thing', rkey: 'k1' },
      ],
    })
    expect(second.status).toBe(200)
    expect(second.body.results[1]).toEqual({ $type: 'com.atproto.repo.applyWrites#deleteResult' })
    const got = await xrpc(h.url, 'com.atproto.repo.getRecord', {
      query: { repo: carol.did, collection: 'app.bsky.feed.post', rkey: '3jzfcijpj2z2a' },
    })
    expect(got.body.value.text).toBe('a2')
    expect(got.body.cid).toBe(second.body.results[0].cid)
  })

  it('refuses a stale swapCommit with InvalidSwap and writes nothing', async () => {
    const stale = await head()
    await call('com.atproto.repo.createRecord', {
      repo: carol.did,
      collection: 'app.bsky.feed.post',
      record: post('x'),
    })
    const res = await call('com.atproto.repo.applyWrites', {
      repo: carol.did,
      swapCommit: stale.cid,
      writes: [
        {
          $type: 'com.atproto.repo.applyWrites#create',
          collection: 'app.bsky.feed.post',
          rkey: '3jzfcijpj2z2b',
          value: post('y'),
        },
      ],
    })
    expect(res.status).toBe(400)
    expect(res.body.error).toBe('InvalidSwap')
    const missing = await xrpc(h.url, 'com.atproto.repo.getRecord', {
      query: { repo: carol.did, collection: 'app.bsky.feed.post', rkey: '3jzfcijpj2z2b' },
    })
    expect(missing.body.error).toBe('RecordNotFound')
    const ok = await call('com.atproto.repo.createRecord', {
      repo: carol.did,
      collection: 'app.bsky.feed.post',
      record: post('z'),
      swapCommit: (await head()).cid,
    })
    expect(ok.status).toBe(200)
  })

  it('is all or nothing: one bad write fails the batch', async () => {
    const before = await head()
    const res = await call('com.atproto.repo.applyWrites', {
      repo: carol.did,
      writes: [
        {
          $type: 'com.atproto.repo.applyWrites#create',
          collection: 'app.bsky.feed.post',
          value: post('fine'),
        },
        {
          $type: 'com.atproto.repo.applyWrites#update',
          collection: 'app.bsky.feed.post',
          rkey: '3jzfcijpj2zzz',
          value: post('no such record'),
        },
      ],
    })
    expect(res.status).toBe(400)
    expect(await head()).toEqual(before)
    const tooMany = await call('com.atproto.repo.applyWrites', {
      repo: carol.did,
      writes: Array.from({ length: 201 }, (_, i) => ({
        $type: 'com.atproto.repo.applyWrites#create',
        collection: 'com.example.thing',
        rkey: `r${i}`,
        value: { i },
      })),
    })
    expect(tooMany.status).toBe(400)
  })

  it('honours a per-write swapRecord', async () => {
    const created = await call('com.atproto.repo.createRecord', {
      repo: carol.did,
      collection: 'com.example.thing',
      rkey: 'swapped',
      record: { v: 1 },
    })
    const wrong = await call('com.atproto.repo.applyWrites', {
      repo: carol.did,
      writes: [
        {
          $type: 'com.atproto.repo.applyWrites#update',
          collection: 'com.example.thing',
          rkey: 'swapped',
          value: { v: 2 },
          swapRecord: null,
        },
      ],
    })
    expect(wrong.body.error).toBe('InvalidSwap')
    const right = await call('com.atproto.repo.applyWrites', {
      repo: carol.did,
      writes: [
        {
          $type: 'com.atproto.repo.applyWrites#update',
          collection: 'com.example.thing',
          rkey: 'swapped',
          value: { v: 2 },
          swapRecord: created.body.cid,
        },
      ],
    })
    expect(right.status).toBe(200)
  })
})

describe('putRecord and deleteRecord', () => {
  it('creates, updates, and answers an unchanged record without a commit', async () => {
    const rec = { $type: 'com.example.thing', v: 1 }
    const first = await call('com.atproto.repo.putRecord', {
      repo: carol.did,
      collection: 'com.example.thing',
      rkey: 'put',
      record: rec,
    })
    expect(first.status).toBe(200)
    expect(first.body.commit).toBeDefined()
    expect(first.body.validationStatus).toBe('unknown')
    const again = await call('com.atproto.repo.putRecord', {
      repo: carol.did,
      collection: 'com.example.thing',
      rkey: 'put',
      record: rec,
    })
    expect(again.body.cid).toBe(first.body.cid)
    expect(again.body.commit).toBeUndefined()
    const mustNotExist = await call('com.atproto.repo.putRecord', {
      repo: carol.did,
      collection: 'com.example.thing',
      rkey: 'put',
      record: { v: 2 },
      swapRecord: null,
    })
    expect(mustNotExist.body.error).toBe('InvalidSwap')
    const swapped = await call('com.atproto.repo.putRecord', {
      repo: carol.did,
      collection: 'com.example.thing',
      rkey: 'put',
      record: { v: 2 },
      swapRecord: first.body.cid,
    })
    expect(swapped.status).toBe(200)
    expect(swapped.body.cid).not.toBe(first.body.cid)
  })

  it('deletes, treats a missing record as done, and checks swapRecord', async () => {
    const created = await call('com.atproto.repo.createRecord', {
      repo: carol.did,
      collection: 'com.example.thing',
      rkey: 'del',
      record: { v: 1 },
    })
    const badSwap = await call('com.atproto.repo.deleteRecord', {
      repo: carol.did,
      collection: 'com.example.thing',
      rkey: 'del',
      swapRecord: (
        await call('com.atproto.repo.createRecord', {
          repo: carol.did,
          collection: 'com.example.thing',
          record: { v: 9 },
        })
      ).body.cid,
    })
    expect(badSwap.body.error).toBe('InvalidSwap')
    const del = await call('com.atproto.repo.deleteRecord', {
      repo: carol.did,
      collection: 'com.example.thing',
      rkey: 'del',
      swapRecord: created.body.cid,
    })
    expect(del.status).toBe(200)
    expect(del.body.commit.cid).toBe((await head()).cid)
    const again = await call('com.atproto.repo.deleteRecord', {
      repo: carol.did,
      collection: 'com.example.thing',
      rkey: 'del',
    })
    expect(again.status).toBe(200)
    expect(again.body).toEqual({})
    const swapOnMissing = await call('com.atproto.repo.deleteRecord', {
      repo: carol.did,
      collection: 'com.example.thing',
      rkey: 'del',
      swapRecord: created.body.cid,
    })
    expect(swapOnMissing.body.error).toBe('InvalidSwap')
  })
})

describe('validation', () => {
  const create = (extra: Record<string, unknown>) =>
    call('com.atproto.repo.createRecord', { repo: carol.did, collection: 'app.bsky.feed.post', ...extra })

  it('validates known lexicons unless told not to', async () => {
    const invalid = { $type: 'app.bsky.feed.post', text: 'no createdAt' }
    const checked = await create({ record: invalid })
    expect(checked.status).toBe(400)
    expect(checked.body.error).toBe('InvalidRequest')
    expect(checked.body.message).toMatch(/createdAt/)
    expect((await create({ record: invalid, validate: true })).status).toBe(400)
    const skipped = await create({ record: invalid, validate: false })
    expect(skipped.status).toBe(200)
    expect(skipped.body.validationStatus).toBeUndefined()
    const valid = await create({ record: post('ok'), validate: true })
    expect(valid.body.validationStatus).toBe('valid')
  })

  it('requires a lexicon only with validate: true', async () => {
    const rec = { collection: 'com.example.unknown', record: { anything: [1, 2] } }
    const loose = await call('com.atproto.repo.createRecord', { repo: carol.did, ...rec })
    expect(loose.body.validationStatus).toBe('unknown')
    const strict = await call('com.atproto.repo.createRecord', { repo: carol.did, validate: true, ...rec })
    expect(strict.status).toBe(400)
    expect(strict.body.message).toMatch(/Lexicon not found/)
    const notRecord = await call('com.atproto.repo.createRecord', {
      repo: carol.did,
      collection: 'app.bsky.feed.getTimeline',
      record: { a: 1 },
    })
    expect(notRecord.status).toBe(400)
  })

  it('fills in a missing $type and refuses a different one, even unvalidated', async () => {
    const filled = await create({ record: { text: 'typed for me', createdAt: now() } })
    expect(filled.status).toBe(200)
    const got = await xrpc(h.url, 'com.atproto.repo.getRecord', {
      query: { repo: carol.did, collection: 'app.bsky.feed.post', rkey: filled.body.uri.split('/').pop() },
    })
    expect(got.body.value.$type).toBe('app.bsky.feed.post')
    for (const validate of [undefined, false]) {
      const mismatch = await create({
        validate,
        record: { $type: 'app.bsky.feed.like', text: 'x', createdAt: now() },
      })
      expect(mismatch.status).toBe(400)
      expect(mismatch.body.message).toMatch(/\$type/)
    }
    expect((await create({ record: [1, 2, 3] })).status).toBe(400)
    expect((await create({ record: 'text' })).status).toBe(400)
  })

  it("checks record keys against the collection's key type", async () => {
    expect((await create({ rkey: 'not-a-tid', record: post('k') })).status).toBe(400)
    expect((await create({ rkey: 'not-a-tid', record: post('k'), validate: false })).status).toBe(200)
    const profile = (rkey?: string) =>
      call('com.atproto.repo.createRecord', {
        repo: carol.did,
        collection: 'app.bsky.actor.profile',
        rkey,
        record: { displayName: 'C' },
      })
    expect((await profile('other')).status).toBe(400)
    const self = await profile()
    expect(self.status).toBe(200)
    expect(self.body.uri).toBe(`at://${carol.did}/app.bsky.actor.profile/self`)
    const dup = await profile('self')
    expect(dup.status).toBe(400)
    expect((await create({ rkey: '..', record: post('k'), validate: false })).status).toBe(400)
  })

  it('refuses records over the size limit and blob refs that do not match an upload', async () => {
    const big = await create({ validate: false, record: { text: 'x'.repeat(1_100_000), createdAt: now() } })
    expect(big.status).toBe(413)
    const upload = await xrpc(h.url, 'com.atproto.repo.uploadBlob', {
      token: carol.accessJwt,
      body: new Uint8Array([1, 2, 3, 4]),
      headers: { 'content-type': 'application/octet-stream' },
    })
    expect(upload.status).toBe(200)
    const ref = upload.body.blob
    const withBlob = (blob: unknown) =>
      call('com.atproto.repo.createRecord', {
        repo: carol.did,
        collection: 'com.example.file',
        record: { file: blob },
      })
    const relabelled = await withBlob({ ...ref, mimeType: 'image/png' })
    expect(relabelled.status).toBe(400)
    const resized = await withBlob({ ...ref, size: 3 })
    expect(resized.status).toBe(400)
    const unknown = await withBlob({
      ...ref,
      ref: { $link: 'bafkreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm' },
    })
    expect(unknown.body.error).toBe('BlobNotFound')
    expect((await withBlob(ref)).status).toBe(200)
  })
})

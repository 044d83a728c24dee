// Record CRUD through the official client (@atproto/api): posts, likes, a profile with an
// uploaded avatar, deletes; and the raw reads behind them.
import { type AtpAgent, AtUri } from '@atproto/api'
import { openPlcStore, PlcDirectory, type PlcServer, startPlcServer } from '@welkin/plc'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Harness, startHarness, type TestAccount, xrpc } from './harness.js'

// A 1x1 PNG.
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a0230000000049454e44ae426082',
  'hex',
)

let plc: PlcServer
let h: Harness
let alice: TestAccount
let bob: TestAccount

beforeAll(async () => {
  plc = await startPlcServer(new PlcDirectory(await openPlcStore({})), { port: 0 })
  h = await startHarness(plc.url)
  alice = await h.account('alice')
  bob = await h.account('bob')
})

afterAll(async () => {
  await h?.close()
  await plc?.close()
})

async function record(agent: AtpAgent, uri: string) {
  const u = new AtUri(uri)
  return agent.com.atproto.repo.getRecord({ repo: u.host, collection: u.collection, rkey: u.rkey })
}

describe('records through the official client', () => {
  it('posts, reads back, likes, unlikes and deletes', async () => {
    const post = await alice.agent.post({ text: 'hello from welkin', createdAt: new Date().toISOString() })
    expect(post.uri).toMatch(new RegExp(`^at://${alice.did}/app.bsky.feed.post/[a-z2-7]{13}$`))
    const got = await record(bob.agent, post.uri)
    expect(got.data.cid).toBe(post.cid)
    expect(got.data.value).toMatchObject({ $type: 'app.bsky.feed.post', text: 'hello from welkin' })

    const like = await bob.agent.like(post.uri, post.cid)
    expect((await record(alice.agent, like.uri)).data.value).toMatchObject({
      subject: { uri: post.uri, cid: post.cid },
    })
    await bob.agent.deleteLike(like.uri)
    await expect(record(alice.agent, like.uri)).rejects.toMatchObject({ error: 'RecordNotFound' })

    await alice.agent.deletePost(post.uri)
    await expect(record(bob.agent, post.uri)).rejects.toMatchObject({ error: 'RecordNotFound' })
  })

  it('edits a profile with an uploaded avatar, whose blob is then served', async () => {
    const upload = await alice.agent.uploadBlob(PNG, { encoding: 'image/png' })
    expect(upload.data.blob.mimeType).toBe('image/png')
    expect(upload.data.blob.size).toBe(PNG.length)
    await alice.agent.upsertProfile((old) => ({ ...old, displayName: 'Alice', avatar: upload.data.blob }))
    await alice.agent.upsertProfile((old) => ({ ...old, description: 'second edit' }))
    const profile = await alice.agent.com.atproto.repo.getRecord({
      repo: alice.handle,
      collection: 'app.bsky.actor.profile',
      rkey: 'self',
    })
    expect(profile.data.value).toMatchObject({ displayName: 'Alice', description: 'second edit' })
    const cid = upload.data.blob.ref.toString()
    const blob = await fetch(`${h.url}/xrpc/com.atproto.sync.getBlob?did=${alice.did}&cid=${cid}`)
    expect(blob.status).toBe(200)
    expect(Buffer.from(await blob.arrayBuffer())).toEqual(PNG)
  })

  it('lists records with cursors in both directions', async () => {
    const created: string[] = []
    for (let i = 0; i < 7; i++) {
      const res = await bob.agent.com.atproto.repo.createRecord({
        repo: bob.did,
        collection: 'app.bsky.feed.post',
        record: { text: `n${i}`, createdAt: new Date().toISOString() },
      })
      created.push(new AtUri(res.data.uri).rkey)
    }
    const page = async (reverse: boolean) => {
      const keys: string[] = []
      let cursor: string | undefined
      for (let n = 0; n < 10; n++) {
        const res = await alice.agent.com.atproto.repo.listRecords({
          repo: bob.handle,
          collection: 'app.bsky.feed.post',
          limit: 3,
          cursor,
          reverse,
        })
        keys.push(...res.data.records.map((r) => new AtUri(r.uri).rkey))
        cursor = res.data.cursor
        if (!cursor) break
      }
      return keys
    }
    const ascending = [...created].sort()
    expect(await page(true)).toEqual(ascending)
    expect(await page(false)).toEqual([...ascending].reverse())
  })

  it('describes a repo', async () => {
    const res = await bob.agent.com.atproto.repo.describeRepo({ repo: alice.handle })
    expect(res.data).toMatchObject({ did: alice.did, handle: alice.handle, handleIsCorrect: true })
    expect(res.data.collections).toContain('app.bsky.actor.profile')
    expect((res.data.didDoc as { id: string }).id).toBe(alice.did)
  })

  it("refuses a write to another user's repo", async () => {
    const attempt = await xrpc(h.url, 'com.atproto.repo.createRecord', {
      token: bob.accessJwt,
      body: {
        repo: alice.did,
        collection: 'app.bsky.feed.post',
        record: { text: 'not yours', createdAt: new Date().toISOString() },
      },
    })
    expect(attempt.status).toBe(401)
    expect(attempt.body.error).toBe('AuthenticationRequired')
    const byHandle = await xrpc(h.url, 'com.atproto.repo.deleteRecord', {
      token: bob.accessJwt,
      body: { repo: alice.handle, collection: 'app.bsky.actor.profile', rkey: 'self' },
    })
    expect(byHandle.status).toBe(401)
    const unknown = await xrpc(h.url, 'com.atproto.repo.createRecord', {
      token: bob.accessJwt,
      body: { repo: 'nobody.test', collection: 'app.bsky.feed.post', record: { text: 'x', createdAt: 'x' } },
    })
    expect(unknown.status).toBe(400)
    const anonymous = await xrpc(h.url, 'com.atproto.repo.createRecord', {
      body: { repo: alice.did, collection: 'app.bsky.feed.post', record: { text: 'x' } },
    })
    expect(anonymous.status).toBe(401)
    // Alice's profile is still there.
    const still = await xrpc(h.url, 'com.atproto.repo.getRecord', {
      query: { repo: alice.did, collection: 'app.bsky.actor.profile', rkey: 'self' },
    })
    expect(still.status).toBe(200)
  })
})

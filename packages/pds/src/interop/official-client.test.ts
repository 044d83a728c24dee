// The official client, @atproto/api 0.19.9 (AtpAgent), used unchanged against a Welkin PDS
// registering DIDs at an in-process Welkin PLC directory: one user's whole story, sign-up to
// deletes, with every write read back through the client. Access tokens live four seconds here
// so the client's own ExpiredToken -> refreshSession path runs. (`exp` counts whole seconds, so a
// token lives between TTL-1 and TTL seconds; one second was too short for a loaded CI machine,
// where the retry after a refresh could itself arrive expired.)
import { AtpAgent, type AtpSessionData, AtUri, type BlobRef } from '@atproto/api'
import { solidPng } from '@welkin/interop'
import { openPlcStore, PlcDirectory, type PlcServer, startPlcServer } from '@welkin/plc'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../testing.js'
import { type OfficialAccount, rawXrpc, sleep, startWorld, type World } from './world.js'

const plcDir = tempDir('welkin-interop-plc-')
let plc: PlcServer
let world: World
let alice: OfficialAccount
/** The agent that logged in (not the one that signed up), and what it told persistSession. */
let agent: AtpAgent
const persisted: { evt: string; session?: AtpSessionData }[] = []
let post: { uri: string; cid: string }
let image: Uint8Array
let imageRef: BlobRef

beforeAll(async () => {
  plc = await startPlcServer(new PlcDirectory(await openPlcStore({ dataDir: plcDir.path })), { port: 0 })
  world = await startWorld(plc.url, {}, { accessTokenTtlSec: 4, refreshGraceSec: 0 })
})

afterAll(async () => {
  await world?.close()
  await plc?.close()
  plcDir.remove()
})

async function readRecord(uri: string) {
  const u = new AtUri(uri)
  return agent.com.atproto.repo.getRecord({ repo: u.host, collection: u.collection, rkey: u.rkey })
}

async function readBlob(did: string, cid: string): Promise<Uint8Array> {
  const res = await agent.com.atproto.sync.getBlob({ did, cid })
  return res.data
}

describe('@atproto/api against Welkin', () => {
  it('signs up: a did:plc at the directory whose document points at this PDS', async () => {
    alice = await world.signUp('alice')
    expect(alice.did).toMatch(/^did:plc:[a-z2-7]{24}$/)
    const doc = (await (await fetch(`${plc.url}/${alice.did}`)).json()) as {
      alsoKnownAs: string[]
      service: { serviceEndpoint: string }[]
    }
    expect(doc.alsoKnownAs).toEqual(['at://alice.test'])
    expect(doc.service[0].serviceEndpoint).toBe(world.url)
    const { data } = await alice.agent.com.atproto.identity.resolveHandle({ handle: 'alice.test' })
    expect(data.did).toBe(alice.did)
  })

  it('logs in with a fresh agent', async () => {
    agent = new AtpAgent({
      service: world.url,
      persistSession: (evt, session) => {
        persisted.push({ evt, session })
      },
    })
    await agent.login({ identifier: 'alice.test', password: alice.password })
    expect(agent.session).toMatchObject({ did: alice.did, handle: 'alice.test', active: true })
    expect(persisted.map((p) => p.evt)).toEqual(['create'])
    await expect(
      new AtpAgent({ service: world.url }).login({ identifier: 'alice.test', password: 'not it' }),
    ).rejects.toMatchObject({ status: 401 })
  })

  it('refreshes on request, and by itself once the access token expired', async () => {
    const first = agent.session!
    await agent.sessionManager.refreshSession()
    const second = agent.session!
    // Access tokens carry no id: one minted in the same second as the last may be identical.
    expect(second.refreshJwt).not.toBe(first.refreshJwt)
    expect(persisted.at(-1)?.evt).toBe('update')

    await sleep(4100)
    // The expired token as such is refused the way the client recognises ...
    const stale = await rawXrpc(world.url, 'com.atproto.server.getSession', { token: second.accessJwt })
    expect(stale.status).toBe(400)
    expect(stale.json).toMatchObject({ error: 'ExpiredToken' })
    // ... so the client refreshes and retries without the caller noticing.
    const before = persisted.length
    const { data } = await agent.com.atproto.server.getSession()
    expect(data.did).toBe(alice.did)
    expect(persisted.slice(before).map((p) => p.evt)).toEqual(['update'])
    expect(agent.session!.refreshJwt).not.toBe(second.refreshJwt)
    // The spent refresh token is dead (no grace period here).
    const reused = await rawXrpc(world.url, 'com.atproto.server.refreshSession', {
      method: 'POST',
      token: second.refreshJwt,
    })
    expect(reused.status).toBeGreaterThanOrEqual(400)
    expect(reused.status).toBeLessThan(500)
    expect(reused.json?.error).toEqual(expect.any(String))
  })

  it('posts with an image', async () => {
    image = solidPng(16, [0xd0, 0x40, 0x20])
    const upload = await agent.uploadBlob(image, { encoding: 'image/png' })
    imageRef = upload.data.blob
    expect(imageRef.mimeType).toBe('image/png')
    expect(imageRef.size).toBe(image.length)
    post = await agent.post({
      text: 'a red square',
      embed: { $type: 'app.bsky.embed.images', images: [{ image: imageRef, alt: 'red square' }] },
      createdAt: new Date().toISOString(),
    })
    expect(post.uri).toMatch(new RegExp(`^at://${alice.did}/app\\.bsky\\.feed\\.post/[a-z2-7]{13}$`))

    const got = await agent.getPost({ repo: alice.did, rkey: new AtUri(post.uri).rkey })
    expect(got.cid).toBe(post.cid)
    expect(got.value.text).toBe('a red square')
    const embed = got.value.embed as { images: { image: BlobRef; alt: string }[] }
    expect(embed.images[0].alt).toBe('red square')
    expect(embed.images[0].image.ref.toString()).toBe(imageRef.ref.toString())
    expect(Buffer.from(await readBlob(alice.did, imageRef.ref.toString()))).toEqual(Buffer.from(image))
    const { data } = await agent.com.atproto.sync.listBlobs({ did: alice.did })
    expect(data.cids).toContain(imageRef.ref.toString())
  })

  it('edits the profile with an avatar, twice (the second edit swaps on the first)', async () => {
    const avatar = solidPng(32, [0x20, 0x90, 0x40])
    const upload = await agent.uploadBlob(avatar, { encoding: 'image/png' })
    await agent.upsertProfile((old) => ({ ...old, displayName: 'Alice', avatar: upload.data.blob }))
    await agent.upsertProfile((old) => ({ ...old, description: 'edited twice' }))
    const profile = await agent.app.bsky.actor.profile.get({ repo: alice.did, rkey: 'self' })
    expect(profile.value).toMatchObject({ displayName: 'Alice', description: 'edited twice' })
    expect(profile.value.avatar?.ref.toString()).toBe(upload.data.blob.ref.toString())
    expect(profile.value.avatar?.mimeType).toBe('image/png')
    expect(Buffer.from(await readBlob(alice.did, upload.data.blob.ref.toString()))).toEqual(
      Buffer.from(avatar),
    )
  })

  it('likes the post, then deletes the like and the post', async () => {
    const like = await agent.like(post.uri, post.cid)
    const liked = await readRecord(like.uri)
    expect(liked.data.value).toMatchObject({ subject: { uri: post.uri, cid: post.cid } })
    const likes = await agent.com.atproto.repo.listRecords({
      repo: alice.did,
      collection: 'app.bsky.feed.like',
    })
    expect(likes.data.records.map((r) => r.uri)).toEqual([like.uri])

    await agent.deleteLike(like.uri)
    await agent.deletePost(post.uri)
    await expect(readRecord(like.uri)).rejects.toMatchObject({ status: 400, error: 'RecordNotFound' })
    await expect(readRecord(post.uri)).rejects.toMatchObject({ status: 400, error: 'RecordNotFound' })
    for (const collection of ['app.bsky.feed.like', 'app.bsky.feed.post']) {
      const { data } = await agent.com.atproto.repo.listRecords({ repo: alice.did, collection })
      expect(data.records).toEqual([])
    }
    const { data } = await agent.com.atproto.repo.describeRepo({ repo: 'alice.test' })
    expect(data).toMatchObject({ did: alice.did, handle: 'alice.test', handleIsCorrect: true })
    expect(data.collections).toContain('app.bsky.actor.profile')
    const head = await agent.com.atproto.sync.getLatestCommit({ did: alice.did })
    expect(head.data.rev).toMatch(/^[a-z2-7]{13}$/)
  })

  it('logs out: the refresh token stops working', async () => {
    const refreshJwt = agent.session!.refreshJwt
    await agent.logout()
    const after = await rawXrpc(world.url, 'com.atproto.server.refreshSession', {
      method: 'POST',
      token: refreshJwt,
    })
    expect(after.status).toBeGreaterThanOrEqual(400)
    expect(after.status).toBeLessThan(500)
  })
})

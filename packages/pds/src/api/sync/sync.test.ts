// The sync reads: getRepo CARs (whole and `since`), record proofs, blocks, latest commit, repo
// listing and status; each checked with the repo library's verifiers against the account's key
// from its DID document.
import { verifyRepoCar as officialVerifyRepoCar } from '@atproto/repo'
import { CID, readCar } from '@welkin/data'
import { getAtprotoKey } from '@welkin/identity'
import { openPlcStore, PlcDirectory, type PlcServer, startPlcServer } from '@welkin/plc'
import { verifyRecordProof, verifyRepoCar } from '@welkin/repo'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Harness, startHarness, type TestAccount, xrpc } from '../repo/harness.js'

let plc: PlcServer
let h: Harness
let erin: TestAccount
let frank: TestAccount
let erinKey: string

beforeAll(async () => {
  plc = await startPlcServer(new PlcDirectory(await openPlcStore({})), { port: 0 })
  h = await startHarness(plc.url)
  erin = await h.account('erin')
  frank = await h.account('frank')
  erinKey = getAtprotoKey(await h.pds.ctx.services.resolver.did.ensureResolve(erin.did))!
})

afterAll(async () => {
  await h?.close()
  await plc?.close()
})

async function getCar(query: Record<string, string>, nsid = 'com.atproto.sync.getRepo', token?: string) {
  const u = new URL(`/xrpc/${nsid}`, h.url)
  for (const [k, v] of Object.entries(query)) u.searchParams.set(k, v)
  const res = await fetch(u, { headers: token ? { authorization: `Bearer ${token}` } : {} })
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    bytes: new Uint8Array(await res.arrayBuffer()),
  }
}

async function posts(account: TestAccount, n: number, prefix: string): Promise<string[]> {
  const uris: string[] = []
  for (let i = 0; i < n; i++) {
    const res = await account.agent.post({ text: `${prefix} ${i}`, createdAt: new Date().toISOString() })
    uris.push(res.uri)
  }
  return uris
}

const blockKeys = async (bytes: Uint8Array) =>
  new Set([...(await readCar(bytes)).blocks.cids()].map((c) => c.toString()))

describe('getRepo', () => {
  it('exports a CAR that verifies (ours and the official library) and, with since, only newer blocks', async () => {
    await posts(erin, 12, 'first')
    const first = await getCar({ did: erin.did })
    expect(first.status).toBe(200)
    expect(first.type).toBe('application/vnd.ipld.car')
    const info = await verifyRepoCar(first.bytes, { did: erin.did, key: erinKey })
    expect(info.recordCount).toBe(12)
    const official = await officialVerifyRepoCar(first.bytes, erin.did, erinKey)
    expect(official.creates.length).toBe(12)
    const latest = await xrpc(h.url, 'com.atproto.sync.getLatestCommit', { query: { did: erin.did } })
    expect(latest.body.cid).toBe(info.commit.toString())
    expect(latest.body.rev).toBe(info.rev)
    const headRes = await xrpc(h.url, 'com.atproto.sync.getHead', { query: { did: erin.did } })
    expect(headRes.body).toEqual({ root: latest.body.cid })
    const checkout = await getCar({ did: erin.did }, 'com.atproto.sync.getCheckout')
    expect((await verifyRepoCar(checkout.bytes, { did: erin.did, key: erinKey })).recordCount).toBe(12)

    await posts(erin, 5, 'second')
    const full = await getCar({ did: erin.did })
    const diff = await getCar({ did: erin.did, since: info.rev })
    expect(diff.status).toBe(200)
    const [oldBlocks, newBlocks, diffBlocks] = await Promise.all(
      [first, full, diff].map((c) => blockKeys(c.bytes)),
    )
    const { roots } = await readCar(diff.bytes)
    expect(roots.map(String)).toEqual([(await verifyRepoCar(full.bytes)).commit.toString()])
    for (const b of diffBlocks) expect(oldBlocks.has(b)).toBe(false)
    for (const b of newBlocks) expect(oldBlocks.has(b) || diffBlocks.has(b)).toBe(true)
    expect(diffBlocks.size).toBeLessThan(newBlocks.size)
  })

  it('holds exactly the commit, the tree and the records, also right after nodes were dropped', async () => {
    const uris = await posts(erin, 6, 'churn')
    await Promise.all(uris.slice(0, 5).map((u) => erin.agent.deletePost(u)))
    // Dropped nodes are deleted by a background pass; the export must not wait for it.
    const car = await getCar({ did: erin.did })
    const info = await verifyRepoCar(car.bytes, { did: erin.did, key: erinKey })
    const { blocks } = await readCar(car.bytes)
    const records = await xrpc(h.url, 'com.atproto.repo.listRecords', {
      query: { repo: erin.did, collection: 'app.bsky.feed.post', limit: '100' },
    })
    const distinct = new Set(records.body.records.map((r: { cid: string }) => r.cid)).size
    expect(info.recordCount).toBe(records.body.records.length)
    expect(blocks.size).toBe(1 + info.mstNodeCount + distinct)
  })

  it('refuses a deactivated repo to the public but not to its owner; unknown DIDs are RepoNotFound', async () => {
    await frank.agent.post({ text: 'soon gone', createdAt: new Date().toISOString() })
    await frank.agent.com.atproto.server.deactivateAccount({})
    try {
      const status = await xrpc(h.url, 'com.atproto.sync.getRepoStatus', { query: { did: frank.did } })
      expect(status.body).toEqual({ did: frank.did, active: false, status: 'deactivated' })
      const refused = await xrpc(h.url, 'com.atproto.sync.getRepo', { query: { did: frank.did } })
      expect(refused.status).toBe(400)
      expect(refused.body.error).toBe('RepoDeactivated')
      const own = await getCar({ did: frank.did }, 'com.atproto.sync.getRepo', frank.accessJwt)
      expect(own.status).toBe(200)
      const someoneElse = await getCar({ did: frank.did }, 'com.atproto.sync.getRepo', erin.accessJwt)
      expect(someoneElse.status).toBe(400)
      // A token that is not ours gets the public view, not an auth error.
      expect((await getCar({ did: erin.did }, 'com.atproto.sync.getRepo', 'eyJ0.eyJ0.c2ln')).status).toBe(200)
      const listed = await xrpc(h.url, 'com.atproto.sync.listRepos', {})
      expect(listed.body.repos.find((r: { did: string }) => r.did === frank.did)).toMatchObject({
        active: false,
        status: 'deactivated',
      })
    } finally {
      await frank.agent.com.atproto.server.activateAccount()
    }
    const back = await xrpc(h.url, 'com.atproto.sync.getRepoStatus', { query: { did: frank.did } })
    expect(back.body.active).toBe(true)
    expect(back.body.rev).toMatch(/^[a-z2-7]{13}$/)
    const unknown = await xrpc(h.url, 'com.atproto.sync.getRepo', {
      query: { did: 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa' },
    })
    expect(unknown.status).toBe(400)
    expect(unknown.body.error).toBe('RepoNotFound')
    const badSince = await xrpc(h.url, 'com.atproto.sync.getRepo', {
      query: { did: erin.did, since: 'yesterday' },
    })
    expect(badSince.status).toBe(400)
  })
})

describe('record proofs and blocks', () => {
  it('serves a proof CAR that verifies, and a proof of absence for an absent record', async () => {
    const [uri] = await posts(erin, 1, 'proved')
    const rkey = uri.split('/').pop()!
    const proof = await getCar(
      { did: erin.did, collection: 'app.bsky.feed.post', rkey },
      'com.atproto.sync.getRecord',
    )
    expect(proof.status).toBe(200)
    const shown = verifyRecordProof(proof.bytes, {
      did: erin.did,
      key: erinKey,
      collection: 'app.bsky.feed.post',
      rkey,
    })
    const stored = await xrpc(h.url, 'com.atproto.repo.getRecord', {
      query: { repo: erin.did, collection: 'app.bsky.feed.post', rkey },
    })
    expect(shown.cid?.toString()).toBe(stored.body.cid)
    expect(shown.record).toMatchObject({ text: 'proved 0' })
    // It proves nothing about another key (absence at most), and fails when tampered with.
    const claim = { did: erin.did, key: erinKey, collection: 'app.bsky.feed.post' }
    let other: ReturnType<typeof verifyRecordProof> | null = null
    try {
      other = verifyRecordProof(proof.bytes, { ...claim, rkey: '3jzfcijpj2z2a' })
    } catch {
      // refusing is as good as showing absence
    }
    expect(other?.cid ?? null).toBeNull()
    const tampered = proof.bytes.slice()
    tampered[tampered.length - 2] ^= 1
    expect(() => verifyRecordProof(tampered, { ...claim, rkey })).toThrow()
    const absent = await getCar(
      { did: erin.did, collection: 'app.bsky.feed.post', rkey: '3jzfcijpj2z2a' },
      'com.atproto.sync.getRecord',
    )
    expect(absent.status).toBe(200)
    const none = verifyRecordProof(absent.bytes, { ...claim, rkey: '3jzfcijpj2z2a' })
    expect(none.cid).toBeNull()
  })

  it('serves blocks by CID and names the missing ones', async () => {
    const car = await getCar({ did: erin.did })
    const { blocks } = await readCar(car.bytes)
    const wanted = [...blocks.cids()].slice(0, 4)
    const u = new URL('/xrpc/com.atproto.sync.getBlocks', h.url)
    u.searchParams.set('did', erin.did)
    for (const c of wanted) u.searchParams.append('cids', c.toString())
    const res = await fetch(u)
    expect(res.status).toBe(200)
    const got = await readCar(new Uint8Array(await res.arrayBuffer()))
    expect(got.roots).toEqual([])
    expect(new Set([...got.blocks.cids()].map(String))).toEqual(new Set(wanted.map(String)))
    // The CID of {"welkin-test": "a block no repo holds"}: never stored. (The usual example CID
    // bafyreie5737... is the empty MST node, which a repo may hold until node GC drops it.)
    const missing = 'bafyreias4jypmksct2ibkvnquujffprgltjrlta5k2bepmkisxzrmuw4le'
    const none = await xrpc(h.url, 'com.atproto.sync.getBlocks', {
      query: { did: erin.did, cids: [wanted[0].toString(), missing] },
    })
    expect(none.status).toBe(400)
    expect(none.body.error).toBe('BlockNotFound')
    expect(none.body.message).toContain(missing)
    expect(CID.parse(missing).toString()).toBe(missing)
  })
})

describe('listRepos', () => {
  it('pages through every hosted repo with head and rev', async () => {
    const seen: { did: string; head: string; rev: string; active: boolean }[] = []
    let cursor: string | undefined
    for (let n = 0; n < 5; n++) {
      const page = await xrpc(h.url, 'com.atproto.sync.listRepos', {
        query: { limit: '1', ...(cursor ? { cursor } : {}) },
      })
      seen.push(...page.body.repos)
      cursor = page.body.cursor
      if (!cursor) break
    }
    expect(seen.map((r) => r.did).sort()).toEqual([erin.did, frank.did].sort())
    const latest = await xrpc(h.url, 'com.atproto.sync.getLatestCommit', { query: { did: erin.did } })
    expect(seen.find((r) => r.did === erin.did)).toEqual({
      did: erin.did,
      head: latest.body.cid,
      rev: latest.body.rev,
      active: true,
    })
  })
})

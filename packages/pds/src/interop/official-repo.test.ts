// The official repo library, @atproto/repo 0.9.1 (the newest that runs on Node 20), checks what
// a Welkin PDS serves: the getRepo CAR of a ~200-record repo with deletes and updates (commit
// signature against the key the official identity resolver reads from the Welkin PLC, the whole
// MST, every record), a `since` diff CAR applied on top of it, and getRecord proof CARs.
import { IdResolver } from '@atproto/identity'
import {
  MemoryBlockstore,
  type RecordCreateDescript,
  Repo,
  readCarWithRoot,
  verifyCommitSig,
  verifyDiffCar,
  verifyProofs,
  verifyRecords,
  verifyRepo,
  verifyRepoCar,
} from '@atproto/repo'
import { openPlcStore, PlcDirectory, type PlcServer, startPlcServer } from '@welkin/plc'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../testing.js'
import { type OfficialAccount, rawXrpc, startWorld, type World } from './world.js'

const POST = 'app.bsky.feed.post'
const LIKE = 'app.bsky.feed.like'
const FOLLOW = 'app.bsky.graph.follow'

const plcDir = tempDir('welkin-interop-plc-')
let plc: PlcServer
let world: World
let alice: OfficialAccount
let bob: OfficialAccount
let aliceKey: string
let bobKey: string
/** uri -> cid of alice's records, from listRecords (the PDS's own view). */
const expected = new Map<string, string>()
const deleted: { collection: string; rkey: string }[] = []

type Write =
  | { $type: 'com.atproto.repo.applyWrites#create'; collection: string; value: Record<string, unknown> }
  | {
      $type: 'com.atproto.repo.applyWrites#update'
      collection: string
      rkey: string
      value: Record<string, unknown>
    }
  | { $type: 'com.atproto.repo.applyWrites#delete'; collection: string; rkey: string }

async function applyWrites(
  account: OfficialAccount,
  writes: Write[],
): Promise<{ uri: string; cid: string }[]> {
  const { data } = await account.agent.com.atproto.repo.applyWrites({ repo: account.did, writes })
  return (data.results ?? []).filter((r) => 'uri' in r) as { uri: string; cid: string }[]
}

const create = (collection: string, value: Record<string, unknown>): Write => ({
  $type: 'com.atproto.repo.applyWrites#create',
  collection,
  value: { $type: collection, createdAt: new Date().toISOString(), ...value },
})

const rkeyOf = (uri: string) => uri.split('/').pop()!
const collectionOf = (uri: string) => uri.split('/').at(-2)!

async function listAll(
  account: OfficialAccount,
  collection: string,
): Promise<{ uri: string; cid: string }[]> {
  const out: { uri: string; cid: string }[] = []
  let cursor: string | undefined
  do {
    const { data } = await account.agent.com.atproto.repo.listRecords({
      repo: account.did,
      collection,
      limit: 100,
      cursor,
    })
    out.push(...data.records.map((r) => ({ uri: r.uri, cid: r.cid })))
    cursor = data.records.length === 100 ? data.cursor : undefined
  } while (cursor)
  return out
}

async function getCar(nsid: string, params: Record<string, string>): Promise<Uint8Array> {
  const res = await rawXrpc(world.url, nsid, { params })
  expect(res.status, `${nsid} ${JSON.stringify(res.json)}`).toBe(200)
  expect(res.headers.get('content-type')).toBe('application/vnd.ipld.car')
  return res.bytes
}

function asMap(creates: RecordCreateDescript[]): Map<string, string> {
  return new Map(creates.map((c) => [`at://${alice.did}/${c.collection}/${c.rkey}`, c.cid.toString()]))
}

beforeAll(async () => {
  plc = await startPlcServer(new PlcDirectory(await openPlcStore({ dataDir: plcDir.path })), { port: 0 })
  world = await startWorld(plc.url)
  alice = await world.signUp('alice')
  bob = await world.signUp('bob')
  // 180 posts in batches, likes and follows, a profile: ~200 records; then deletes and updates.
  const posts: { uri: string; cid: string }[] = []
  for (let b = 0; b < 9; b++) {
    const batch = Array.from({ length: 20 }, (_, i) =>
      create(POST, { text: `post ${b * 20 + i}`, langs: ['en'] }),
    )
    posts.push(...(await applyWrites(alice, batch)))
  }
  const bobPost = await bob.agent.post({ text: 'hello alice' })
  await applyWrites(alice, [
    ...Array.from({ length: 12 }, () => create(LIKE, { subject: { uri: bobPost.uri, cid: bobPost.cid } })),
    ...Array.from({ length: 8 }, (_, i) => create(FOLLOW, { subject: i === 0 ? bob.did : alice.did })),
  ])
  await alice.agent.upsertProfile(() => ({ displayName: 'Alice', description: 'for the official verifier' }))
  const gone = [posts[3], posts[77], posts[150], posts[179]]
  await applyWrites(
    alice,
    gone.map((p) => ({
      $type: 'com.atproto.repo.applyWrites#delete',
      collection: POST,
      rkey: rkeyOf(p.uri),
    })),
  )
  deleted.push(...gone.map((p) => ({ collection: POST, rkey: rkeyOf(p.uri) })))
  await alice.agent.deletePost(posts[10].uri)
  deleted.push({ collection: POST, rkey: rkeyOf(posts[10].uri) })
  for (const p of [posts[20], posts[21]]) {
    await alice.agent.com.atproto.repo.putRecord({
      repo: alice.did,
      collection: POST,
      rkey: rkeyOf(p.uri),
      record: { $type: POST, text: 'edited', createdAt: new Date().toISOString() },
    })
  }
  for (const c of [POST, LIKE, FOLLOW, 'app.bsky.actor.profile']) {
    for (const r of await listAll(alice, c)) expected.set(r.uri, r.cid)
  }
  const resolver = new IdResolver({ plcUrl: plc.url })
  aliceKey = await resolver.did.resolveAtprotoKey(alice.did)
  bobKey = await resolver.did.resolveAtprotoKey(bob.did)
})

afterAll(async () => {
  await world?.close()
  await plc?.close()
  plcDir.remove()
})

describe('@atproto/repo verifies Welkin repo exports', () => {
  it('verifies the whole getRepo CAR: signature, tree and every record', async () => {
    expect(expected.size).toBe(180 - 5 + 12 + 8 + 1)
    expect(aliceKey).toMatch(/^did:key:z/)
    const car = await getCar('com.atproto.sync.getRepo', { did: alice.did })
    const verified = await verifyRepoCar(car, alice.did, aliceKey)
    expect(asMap(verified.creates)).toEqual(expected)
    const head = await alice.agent.com.atproto.sync.getLatestCommit({ did: alice.did })
    expect(verified.commit.cid.toString()).toBe(head.data.cid)
    expect(verified.commit.rev).toBe(head.data.rev)

    // The same by hand: the CAR's root, the signed commit, then the full tree walk.
    const { root, blocks } = await readCarWithRoot(car)
    expect(root.toString()).toBe(head.data.cid)
    const repo = await Repo.load(new MemoryBlockstore(blocks), root)
    expect(repo.did).toBe(alice.did)
    expect(repo.commit.version).toBe(3)
    expect(await verifyCommitSig(repo.commit, aliceKey)).toBe(true)
    expect(await verifyCommitSig(repo.commit, bobKey)).toBe(false)
    const again = await verifyRepo(blocks, root, alice.did, aliceKey)
    expect(again.creates.length).toBe(expected.size)

    // Record contents as the official decoder reads them match the JSON the PDS serves.
    let checked = 0
    for await (const r of repo.walkRecords()) {
      if (checked++ % 25 !== 0) continue
      const { data } = await alice.agent.com.atproto.repo.getRecord({
        repo: alice.did,
        collection: r.collection,
        rkey: r.rkey,
      })
      expect(r.cid.toString()).toBe(data.cid)
      expect((r.record as { text?: string }).text).toBe((data.value as { text?: string }).text)
    }
  })

  it('refuses the CAR for the wrong key or DID (the checks above can fail)', async () => {
    const car = await getCar('com.atproto.sync.getRepo', { did: alice.did })
    await expect(verifyRepoCar(car, alice.did, bobKey)).rejects.toThrow(/signature/i)
    await expect(verifyRepoCar(car, bob.did, aliceKey)).rejects.toThrow(/did/i)
  })

  it('applies a `since` diff CAR on top of the earlier repo', async () => {
    const before = await getCar('com.atproto.sync.getRepo', { did: alice.did })
    const base = await readCarWithRoot(before)
    const repo = await Repo.load(new MemoryBlockstore(base.blocks), base.root)
    const made = await applyWrites(alice, [
      create(POST, { text: 'after the export' }),
      create(LIKE, {
        subject: { uri: [...expected.keys()][0], cid: [...expected.values()][0] },
      }),
    ])
    const victim = [...expected.keys()].find((u) => collectionOf(u) === FOLLOW)!
    await applyWrites(alice, [
      { $type: 'com.atproto.repo.applyWrites#delete', collection: FOLLOW, rkey: rkeyOf(victim) },
    ])

    const diff = await getCar('com.atproto.sync.getRepo', { did: alice.did, since: repo.commit.rev })
    expect(diff.length).toBeLessThan(before.length / 4)
    const verified = await verifyDiffCar(repo, diff, alice.did, aliceKey)
    const writes = verified.writes.map((w) => `${w.action} ${w.collection}/${w.rkey}`).sort()
    expect(writes).toEqual(
      [
        ...made.map((m) => `create ${collectionOf(m.uri)}/${rkeyOf(m.uri)}`),
        `delete ${FOLLOW}/${rkeyOf(victim)}`,
      ].sort(),
    )
    expect(verified.commit.since).toBe(repo.commit.rev)
    expected.delete(victim)
    for (const m of made) expected.set(m.uri, m.cid)
  })

  it('verifies getRecord proofs of present records, and refuses wrong claims', async () => {
    const car = await getCar('com.atproto.sync.getRepo', { did: alice.did })
    const { creates } = await verifyRepoCar(car, alice.did, aliceKey)
    const sample = creates.filter((_, i) => i % 23 === 0)
    expect(sample.length).toBeGreaterThan(5)
    for (const [i, c] of sample.entries()) {
      const proof = await getCar('com.atproto.sync.getRecord', {
        did: alice.did,
        collection: c.collection,
        rkey: c.rkey,
      })
      const records = await verifyRecords(proof, alice.did, aliceKey)
      expect(records.map((r) => `${r.collection}/${r.rkey}`)).toEqual([`${c.collection}/${c.rkey}`])
      expect(records[0].record).toMatchObject({ $type: c.collection })
      const other = sample[(i + 1) % sample.length]
      const { verified, unverified } = await verifyProofs(
        proof,
        [
          { collection: c.collection, rkey: c.rkey, cid: c.cid },
          { collection: c.collection, rkey: c.rkey, cid: other.cid }, // wrong CID
          { collection: c.collection, rkey: c.rkey, cid: null }, // claims absence of a present record
        ],
        alice.did,
        aliceKey,
      )
      expect(verified.map((v) => v.cid?.toString())).toEqual([c.cid.toString()])
      expect(unverified.length).toBe(2)
      await expect(verifyRecords(proof, alice.did, bobKey)).rejects.toThrow(/signature/i)
    }
  })

  it('verifies getRecord proofs of absent records (as the official PDS serves them)', async () => {
    // Deleted records and keys that never existed. The lexicon promises blocks "to prove the
    // existence or non-existence of record", and the official PDS answers 200 with the path to
    // where the key would be.
    const absent = [
      ...deleted,
      { collection: POST, rkey: '2222222222222' },
      { collection: 'com.example.none', rkey: 'self' },
    ]
    for (const a of absent) {
      const res = await rawXrpc(world.url, 'com.atproto.sync.getRecord', { params: { did: alice.did, ...a } })
      expect(res.status, `absence proof for ${a.collection}/${a.rkey}: ${JSON.stringify(res.json)}`).toBe(200)
      expect(await verifyRecords(res.bytes, alice.did, aliceKey)).toEqual([])
      const { verified } = await verifyProofs(res.bytes, [{ ...a, cid: null }], alice.did, aliceKey)
      expect(verified.length).toBe(1)
    }
  })
})

import { Secp256k1Keypair } from '@welkin/crypto'
import { BlockMap, type CID, cidForCbor, decodeCbor, encodeCar, encodeCbor, readCarSync } from '@welkin/data'
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { MemoryBlockstore } from '../blockstore.js'
import { commitBlock, signCommit } from '../commit.js'
import { CommitVerificationError } from '../errors.js'
import { leafCid } from '../mst/test-util.js'
import { type CommitData, Repo } from '../repo.js'
import type { RecordWrite } from '../writes.js'
import { commitEventFields } from './event.js'
import { invertOps } from './invert.js'
import { type CommitEvent, verifyCommitEvent } from './verify-commit.js'

const did = 'did:plc:ewvi7nxzyoun6zhxrhs64oiz'
const keypair = Secp256k1Keypair.createSync()
const record = (n: number | string) => ({ $type: 'app.bsky.feed.post', text: `post ${n}` })

function reasonOf(fn: () => unknown): string {
  try {
    fn()
  } catch (err) {
    if (err instanceof CommitVerificationError) return err.reason
    throw err
  }
  return 'verified'
}

/** A slice rebuilt with `edit` applied to its blocks. */
function reslice(evt: CommitEvent, edit: (blocks: BlockMap) => void, roots?: CID[]): Uint8Array {
  const { roots: r, blocks } = readCarSync(evt.blocks)
  edit(blocks)
  return encodeCar(roots ?? r, blocks)
}

describe('verifyCommitEvent', () => {
  let repo: Repo
  let commit: CommitData
  let evt: CommitEvent

  beforeAll(async () => {
    const writes: RecordWrite[] = Array.from({ length: 300 }, (_, i) => ({
      action: 'create',
      collection: i % 2 ? 'app.bsky.feed.post' : 'app.bsky.feed.like',
      rkey: `3k${String(i).padStart(11, '0')}`,
      record: record(i),
    }))
    const store = new MemoryBlockstore()
    const created = await Repo.formatInitCommit(store, did, keypair, writes.slice(0, 200), { maxWrites: 300 })
    store.putBlocks(created.newBlocks)
    repo = await Repo.load(store, created.cid)
    repo = (await repo.applyWrites(writes.slice(200), keypair)).repo
    ;({ commit } = await repo.applyWrites(
      [
        { action: 'create', collection: 'app.bsky.feed.post', rkey: '3kzzzzzzzzzz2', record: record('new') },
        { action: 'update', collection: 'app.bsky.feed.like', rkey: '3k00000000010', record: record('upd') },
        { action: 'delete', collection: 'app.bsky.feed.post', rkey: '3k00000000101' },
        { action: 'delete', collection: 'app.bsky.feed.like', rkey: '3k00000000150' },
      ],
      keypair,
    ))
    evt = commitEventFields(commit)
  })

  it('verifies a commit, returning what it checked', () => {
    const v = verifyCommitEvent(evt, keypair.did())
    expect(v.did).toBe(did)
    expect(v.rev).toBe(commit.rev)
    expect(v.cid.equals(commit.cid)).toBe(true)
    expect(v.prevData?.equals(commit.prevData!)).toBe(true)
    expect(v.ops.map((o) => o.action)).toEqual(['create', 'update', 'delete', 'delete'])
  })

  it("verifies a repo's first commit against the empty tree", async () => {
    const init = await Repo.formatInitCommit(new MemoryBlockstore(), did, keypair, [
      { action: 'create', collection: 'app.bsky.feed.post', rkey: 'a', record: record('a') },
      { action: 'create', collection: 'app.bsky.feed.post', rkey: 'b', record: record('b') },
    ])
    const first = commitEventFields(init)
    expect(first.since).toBeNull()
    expect(reasonOf(() => verifyCommitEvent(first, keypair.did()))).toBe('verified')
  })

  it('names what is wrong with a tampered event', () => {
    const other = Secp256k1Keypair.createSync()
    const [create, update, del] = evt.ops
    const mstNode = [...readCarSync(evt.blocks).blocks.cids()].find(
      (c) => !c.equals(evt.commit) && !evt.ops.some((o) => o.cid?.equals(c)),
    )!
    // The root node's first key is stored whole (prefix length 0).
    const root = decodeCbor(readCarSync(evt.blocks).blocks.get(commit.commit.data)!) as {
      e: { k: Uint8Array }[]
    }
    const rootKey = new TextDecoder().decode(root.e[0].k)
    expect(evt.ops.some((o) => o.path === rootKey)).toBe(false)
    const cases: [string, CommitEvent, string][] = [
      ['other key', evt, 'bad-signature'],
      ['other repo', { ...evt, repo: 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa' }, 'did-mismatch'],
      ['other rev', { ...evt, rev: '3kaaaaaaaaaaa' }, 'rev-mismatch'],
      ['other commit', { ...evt, commit: leafCid('x') }, 'commit-mismatch'],
      ['wrong prevData', { ...evt, prevData: leafCid('x') }, 'inversion-mismatch'],
      ['an op left out', { ...evt, ops: evt.ops.slice(1) }, 'inversion-mismatch'],
      [
        'create with another cid',
        { ...evt, ops: [{ ...create, cid: leafCid('x') }, update, del] },
        'missing-block',
      ],
      [
        'update with another cid',
        { ...evt, ops: [create, { ...update, cid: create.cid }, del] },
        'op-mismatch',
      ],
      [
        'update with another prev',
        { ...evt, ops: [create, { ...update, prev: create.cid }, del] },
        'inversion-mismatch',
      ],
      ['delete of a present key', { ...evt, ops: [create, update, { ...del, path: update.path }] }, 'bad-op'],
      [
        'a key outside the slice',
        { ...evt, ops: [create, update, { ...del, path: 'app.bsky.feed.post/3k00000000001' }] },
        'missing-block',
      ],
      [
        'delete of a key in the root node',
        { ...evt, ops: [create, update, { ...del, path: rootKey }] },
        'op-mismatch',
      ],
      [
        'create as update',
        { ...evt, ops: [{ ...create, action: 'update', prev: create.cid }, update, del] },
        'inversion-mismatch',
      ],
      ['an op twice', { ...evt, ops: [create, create] }, 'bad-op'],
      ['an unknown action', { ...evt, ops: [{ ...create, action: 'upsert' }] }, 'bad-op'],
      ['a bad path', { ...evt, ops: [{ ...create, path: 'no-slash' }] }, 'bad-op'],
      ['a delete without prev', { ...evt, ops: [create, update, { ...del, prev: undefined }] }, 'bad-op'],
      ['a create with prev', { ...evt, ops: [{ ...create, prev: create.cid }] }, 'bad-op'],
      ['no prevData', { ...evt, prevData: undefined }, 'missing-prev-data'],
      ['too many ops', { ...evt, ops: Array.from({ length: 201 }, () => create) }, 'too-big'],
      [
        'a corrupt block',
        { ...evt, blocks: evt.blocks.map((b, i) => (i === evt.blocks.length - 3 ? b ^ 1 : b)) },
        'bad-car',
      ],
      ['a missing MST node', { ...evt, blocks: reslice(evt, (b) => b.delete(mstNode)) }, 'missing-block'],
      ['a missing commit', { ...evt, blocks: reslice(evt, (b) => b.delete(evt.commit)) }, 'missing-block'],
      ['a missing record', { ...evt, blocks: reslice(evt, (b) => b.delete(create.cid!)) }, 'missing-block'],
      ['another root', { ...evt, blocks: reslice(evt, () => {}, [leafCid('x')]) }, 'commit-mismatch'],
    ]
    for (const [name, e, reason] of cases) {
      const key = name === 'other key' ? other.did() : keypair.did()
      expect(
        reasonOf(() => verifyCommitEvent(e, key)),
        name,
      ).toBe(reason)
    }
    expect(
      reasonOf(() =>
        verifyCommitEvent({ ...evt, prevData: undefined }, keypair.did(), { allowMissingPrevData: true }),
      ),
    ).toBe('verified')
  })

  it('rejects a commit block that is not a commit', () => {
    const junk = encodeCbor({ did, version: 3 })
    const cid = cidForCbor(junk)
    const blocks = new BlockMap()
    blocks.set(cid, junk)
    const e = { ...evt, commit: cid, blocks: encodeCar([cid], blocks) }
    expect(reasonOf(() => verifyCommitEvent(e, keypair.did()))).toBe('bad-commit')
  })

  it('rejects a slice that carries a malformed MST node', async () => {
    // A commit whose tree root is not an MST node, signed by the right key.
    const store = new MemoryBlockstore()
    const base = await Repo.create(store, did, keypair)
    const { commit: c } = await base.applyWrites(
      [{ action: 'create', collection: 'app.bsky.feed.post', rkey: 'a', record: record('a') }],
      keypair,
    )
    const e = commitEventFields(c)
    const bad = encodeCbor({
      l: null,
      e: [{ p: 0, k: new TextEncoder().encode('bad key'), v: leafCid(1), t: null }],
    })
    const blocks = readCarSync(e.blocks).blocks
    blocks.delete(c.commit.data)
    const badCid = cidForCbor(bad)
    blocks.set(badCid, bad)
    const forged = await signCommit({ ...c.commit, data: badCid }, keypair)
    const fb = commitBlock(forged)
    blocks.set(fb.cid, fb.bytes)
    const reason = reasonOf(() =>
      verifyCommitEvent({ ...e, commit: fb.cid, blocks: encodeCar([fb.cid], blocks) }, keypair.did()),
    )
    expect(reason).toBe('bad-mst')
  })
})

describe('Sync 1.1 inversion (property)', () => {
  it('every commit inverts to its prevData, in any order, from its slice alone', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.array(fc.tuple(fc.nat(3), fc.nat(60), fc.constantFrom('a.b.post', 'a.b.like', 'c.d.e')), {
            minLength: 0,
            maxLength: 8,
          }),
          { minLength: 1, maxLength: 6 },
        ),
        fc.nat(),
        async (batches, seed) => {
          let repo = await Repo.create(new MemoryBlockstore(), did, keypair)
          const live = new Set<string>()
          let n = 0
          for (const batch of batches) {
            const writes: RecordWrite[] = []
            const seen = new Set<string>()
            for (const [kind, k, collection] of batch) {
              const rkey = `r${k}`
              const path = `${collection}/${rkey}`
              if (seen.has(path)) continue
              seen.add(path)
              if (!live.has(path)) writes.push({ action: 'create', collection, rkey, record: record(n++) })
              else if (kind === 0) writes.push({ action: 'delete', collection, rkey })
              else writes.push({ action: 'update', collection, rkey, record: record(n++) })
            }
            const { repo: next, commit } = await repo.applyWrites(writes, keypair)
            for (const w of writes) {
              const path = `${w.collection}/${w.rkey}`
              if (w.action === 'delete') live.delete(path)
              else live.add(path)
            }
            const e = commitEventFields(commit)
            expect(verifyCommitEvent(e, keypair.did()).ops.length).toBe(writes.length)
            const order = fc.sample(
              fc.shuffledSubarray([...commit.ops.keys()], { minLength: commit.ops.length }),
              {
                seed: seed + n,
                numRuns: 1,
              },
            )[0]
            const { blocks } = readCarSync(e.blocks)
            expect(invertOps(blocks, commit.commit.data, commit.ops, order).equals(commit.prevData!)).toBe(
              true,
            )
            if (commit.ops.length > 0) {
              const bad = { ...e, ops: e.ops.slice(0, -1) }
              expect(reasonOf(() => verifyCommitEvent(bad, keypair.did()))).not.toBe('verified')
            }
            repo = next
          }
        },
      ),
      { numRuns: 40 },
    )
  })
})

import { Secp256k1Keypair } from '@welkin/crypto'
import { nextTid, tidTimestamp } from '@welkin/syntax'
import { describe, expect, it } from 'vitest'
import { MemoryBlockstore } from './blockstore.js'
import { verifyCommitSignature } from './commit.js'
import { InvalidWriteError, RepoError } from './errors.js'
import { MST } from './mst/mst.js'
import { Repo } from './repo.js'

const did = 'did:plc:ewvi7nxzyoun6zhxrhs64oiz'
const post = (text: string) => ({ $type: 'app.bsky.feed.post', text, createdAt: '2024-01-01T00:00:00.000Z' })

describe('Repo', () => {
  it('creates an empty repo with a signed commit', async () => {
    const keypair = Secp256k1Keypair.createSync()
    const store = new MemoryBlockstore()
    const repo = await Repo.create(store, did, keypair)
    expect(repo.did).toBe(did)
    expect(repo.commit.version).toBe(3)
    expect(repo.commit.prev).toBeNull()
    expect(repo.data.getPointer().equals(MST.create().getPointer())).toBe(true)
    expect(verifyCommitSignature(repo.commit, keypair.did())).toBe(true)
    const loaded = await Repo.load(store, repo.cid)
    expect(loaded.rev).toBe(repo.rev)
  })

  it('applies writes and reports ops with prev CIDs', async () => {
    const keypair = Secp256k1Keypair.createSync()
    const store = new MemoryBlockstore()
    let repo = await Repo.create(store, did, keypair)
    const [a, b] = [nextTid(), nextTid()]
    const first = await repo.applyWrites(
      [
        { action: 'create', collection: 'app.bsky.feed.post', rkey: a, record: post('a') },
        { action: 'create', collection: 'app.bsky.feed.post', rkey: b, record: post('b') },
        {
          action: 'create',
          collection: 'app.bsky.actor.profile',
          rkey: 'self',
          record: { $type: 'x', n: 1 },
        },
      ],
      keypair,
    )
    repo = first.repo
    expect(first.commit.since).not.toBeNull()
    expect(first.commit.ops.map((o) => o.action)).toEqual(['create', 'create', 'create'])
    expect(first.commit.newBlocks.has(first.commit.cid)).toBe(true)
    for (const op of first.commit.ops) expect(first.commit.newBlocks.has(op.cid!)).toBe(true)
    expect(await repo.getRecord('app.bsky.feed.post', a)).toEqual(post('a'))
    expect((await repo.listRecords('app.bsky.feed.post')).map((r) => r.rkey)).toEqual([a, b])
    expect(
      (await repo.listRecords('app.bsky.feed.post', { reverse: true, limit: 1 })).map((r) => r.rkey),
    ).toEqual([b])
    expect((await repo.listRecords('app.bsky.feed.post', { after: a })).map((r) => r.rkey)).toEqual([b])
    expect(
      (await repo.listRecords('app.bsky.feed.post', { after: b, reverse: true })).map((r) => r.rkey),
    ).toEqual([a])

    const prevA = await repo.getRecordCid('app.bsky.feed.post', a)
    const prevB = await repo.getRecordCid('app.bsky.feed.post', b)
    const second = await repo.applyWrites(
      [
        { action: 'update', collection: 'app.bsky.feed.post', rkey: a, record: post('a2') },
        { action: 'delete', collection: 'app.bsky.feed.post', rkey: b },
      ],
      keypair,
    )
    expect(second.commit.ops[0].prev?.equals(prevA!)).toBe(true)
    expect(second.commit.ops[1]).toMatchObject({ action: 'delete', cid: null })
    expect(second.commit.ops[1].prev?.equals(prevB!)).toBe(true)
    expect(second.commit.prevData?.equals(repo.data.getPointer())).toBe(true)
    expect(second.commit.since).toBe(repo.rev)
    expect(second.commit.rev > repo.rev).toBe(true)
    // The updated record's old version is not in the new blocks (repository.md "Repository Diffs").
    expect(second.commit.newBlocks.has(prevA!)).toBe(false)
    repo = second.repo
    expect(await repo.getRecord('app.bsky.feed.post', a)).toEqual(post('a2'))
    expect(await repo.getRecord('app.bsky.feed.post', b)).toBeNull()
    // A reload from the store sees the same.
    const reloaded = await Repo.load(store, repo.cid)
    expect(reloaded.data.getPointer().equals(repo.data.getPointer())).toBe(true)
    expect(await reloaded.getRecord('app.bsky.feed.post', a)).toEqual(post('a2'))
  })

  it('refuses inconsistent write batches', async () => {
    const keypair = Secp256k1Keypair.createSync()
    const repo = await Repo.create(new MemoryBlockstore(), did, keypair, [
      { action: 'create', collection: 'app.bsky.feed.post', rkey: 'one', record: post('1') },
    ])
    const bad: [string, Parameters<Repo['applyWrites']>[0]][] = [
      [
        'create existing',
        [{ action: 'create', collection: 'app.bsky.feed.post', rkey: 'one', record: post('x') }],
      ],
      [
        'update missing',
        [{ action: 'update', collection: 'app.bsky.feed.post', rkey: 'two', record: post('x') }],
      ],
      ['delete missing', [{ action: 'delete', collection: 'app.bsky.feed.post', rkey: 'two' }]],
      ['bad collection', [{ action: 'create', collection: 'nope', rkey: 'x', record: post('x') }]],
      ['bad rkey', [{ action: 'create', collection: 'app.bsky.feed.post', rkey: '..', record: post('x') }]],
      ['no record', [{ action: 'create', collection: 'app.bsky.feed.post', rkey: 'x' }]],
      [
        'same path twice',
        [
          { action: 'create', collection: 'app.bsky.feed.post', rkey: 'x', record: post('x') },
          { action: 'delete', collection: 'app.bsky.feed.post', rkey: 'x' },
        ],
      ],
    ]
    for (const [name, writes] of bad)
      await expect(repo.applyWrites(writes, keypair), name).rejects.toThrow(InvalidWriteError)
    const many = Array.from({ length: 201 }, (_, i) => ({
      action: 'create' as const,
      collection: 'app.bsky.feed.post',
      rkey: `k${i}`,
      record: post('x'),
    }))
    await expect(repo.applyWrites(many, keypair)).rejects.toThrow(InvalidWriteError)
    await expect(repo.applyWrites([], keypair, { rev: repo.rev })).rejects.toThrow(RepoError)
  })

  it('keeps revs increasing when the clock is behind the last rev', async () => {
    const keypair = Secp256k1Keypair.createSync()
    const future = '7zzzzzzzzzzzz'
    const repo = await Repo.create(new MemoryBlockstore(), did, keypair, [], { rev: future })
    const { commit } = await repo.applyWrites([], keypair)
    expect(commit.rev > future).toBe(true)
    expect(tidTimestamp(commit.rev)).toBe(tidTimestamp(future) + 1)
  })
})

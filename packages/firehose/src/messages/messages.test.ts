import { CID, cidForRaw, readCarSync } from '@welkin/data'
import { decodeCommit, verifyCommitEvent } from '@welkin/repo'
import { beforeAll, describe, expect, it } from 'vitest'
import { InvalidMessageError } from '../errors.js'
import { encodeMessageFrame } from '../frame/encode.js'
import { type CommitChain, makeCommitChain, TEST_DID } from '../test-helpers.js'
import { accountMessage, encodeRepoMessage, identityMessage, syncMessage } from './build.js'
import {
  isValidRepoPath,
  parseAccountMessage,
  parseCommitMessage,
  parseIdentityMessage,
  parseInfoMessage,
  parseSyncMessage,
} from './parse.js'
import { decodeRepoFrame, messageDid, messageSeq } from './repo-message.js'
import type { CommitMessage } from './types.js'

const TIME = '2024-05-01T12:00:00.000Z'
const otherCid = cidForRaw(new Uint8Array([7]))

function invalid(fn: () => unknown): InvalidMessageError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidMessageError)
    return err as InvalidMessageError
  }
  throw new Error('expected InvalidMessageError')
}

let chain: CommitChain
let commit: CommitMessage
beforeAll(async () => {
  chain = await makeCommitChain(5)
  commit = { ...chain.commits[4], seq: 42 }
})

describe('#commit', () => {
  it('survives encode → decode → parse and still verifies (Sync 1.1 inversion)', () => {
    const decoded = decodeRepoFrame(encodeRepoMessage({ t: '#commit', body: commit }))
    expect(decoded.kind).toBe('message')
    if (decoded.kind !== 'message' || decoded.message.t !== '#commit') throw new Error('not a commit')
    const msg = decoded.message.body
    expect(msg.seq).toBe(42)
    expect(msg.commit).toBeInstanceOf(CID)
    expect(msg.ops[0].action).toBe('delete')
    expect(msg.ops[0].cid).toBeNull()
    expect(msg.ops[0].prev).toBeInstanceOf(CID)
    expect(msg.prevData).toBeInstanceOf(CID)
    expect(messageSeq(decoded.message)).toBe(42)
    expect(messageDid(decoded.message)).toBe(TEST_DID)
    const verified = verifyCommitEvent(msg, chain.keypair.did())
    expect(verified.rev).toBe(msg.rev)
  })

  it('builds the Sync 1.1 fields from CommitData', () => {
    const first = chain.commits[0]
    expect(first.since).toBeNull()
    expect(first.prevData).toBeUndefined()
    expect(first.ops[0]).toEqual({ action: 'create', path: first.ops[0].path, cid: first.ops[0].cid })
    expect(chain.commits[1].since).toBe(first.rev)
    expect(chain.commits[3].ops[0].action).toBe('update')
    expect(chain.commits[3].ops[0].prev).toBeInstanceOf(CID)
    const car = readCarSync(first.blocks)
    expect(car.roots[0].equals(first.commit)).toBe(true)
    expect([first.rebase, first.tooBig, first.blobs]).toEqual([false, false, []])
  })

  it('defaults the deprecated fields when a producer omits them, and keeps unknown fields', () => {
    const { rebase: _r, tooBig: _t, blobs: _b, ...rest } = commit
    const parsed = parseCommitMessage({ ...rest, futureField: 'kept' })
    expect([parsed.rebase, parsed.tooBig, parsed.blobs]).toEqual([false, false, []])
    expect((parsed as unknown as { futureField: string }).futureField).toBe('kept')
    const same = { ...commit }
    expect(parseCommitMessage(same)).toBe(same)
  })

  const bad: [string, (m: Record<string, unknown>) => void, string][] = [
    ['seq 0', (m) => (m.seq = 0), 'seq'],
    ['a string seq', (m) => (m.seq = '1'), 'seq'],
    ['a bad repo DID', (m) => (m.repo = 'did:bad'), 'repo'],
    ['a commit string', (m) => (m.commit = m.commit?.toString()), 'commit'],
    ['a bad rev', (m) => (m.rev = 'not-a-tid'), 'rev'],
    ['a bad since', (m) => (m.since = 'nope'), 'since'],
    ['blocks as a string', (m) => (m.blocks = 'abc'), 'blocks'],
    ['missing ops', (m) => delete m.ops, 'ops'],
    [
      'an op with a bad path',
      (m) => (m.ops = [{ action: 'create', path: 'app.bsky.feed.post', cid: otherCid }]),
      'ops[0].path',
    ],
    [
      'an op with two slashes',
      (m) => (m.ops = [{ action: 'create', path: 'a.b.c/x/y', cid: otherCid }]),
      'ops[0].path',
    ],
    [
      'an unknown action',
      (m) => (m.ops = [{ action: 'upsert', path: 'a.b.c/x', cid: otherCid }]),
      'ops[0].action',
    ],
    [
      'a delete with a cid',
      (m) => (m.ops = [{ action: 'delete', path: 'a.b.c/x', cid: otherCid }]),
      'ops[0].cid',
    ],
    [
      'a create without a cid',
      (m) => (m.ops = [{ action: 'create', path: 'a.b.c/x', cid: null }]),
      'ops[0].cid',
    ],
    [
      'a prev that is not a CID',
      (m) => (m.ops = [{ action: 'update', path: 'a.b.c/x', cid: otherCid, prev: 'x' }]),
      'ops[0].prev',
    ],
    ['a prevData string', (m) => (m.prevData = 'bafy'), 'prevData'],
    ['a bad time', (m) => (m.time = 'yesterday'), 'time'],
    ['a string tooBig', (m) => (m.tooBig = 'false'), 'tooBig'],
    ['a blob that is not a CID', (m) => (m.blobs = ['x']), 'blobs[0]'],
  ]
  it.each(bad)('rejects %s', (_name, mutate, path) => {
    const m = { ...commit } as unknown as Record<string, unknown>
    mutate(m)
    expect(invalid(() => parseCommitMessage(m)).path).toBe(path)
  })

  it('enforces the op count and blocks size limits', () => {
    const ops = Array.from({ length: 201 }, (_, i) => ({
      action: 'create',
      path: `a.b.c/k${i}`,
      cid: otherCid,
    }))
    expect(invalid(() => parseCommitMessage({ ...commit, ops })).path).toBe('ops')
    expect(invalid(() => parseCommitMessage(commit, { maxCommitBlocksBytes: 10 })).path).toBe('blocks')
    expect(parseCommitMessage({ ...commit, ops: ops.slice(0, 200) }).ops.length).toBe(200)
  })

  it('rejects a body that is not a map', () => {
    expect(invalid(() => parseCommitMessage([1])).path).toBe('')
  })
})

describe('#sync, #identity, #account, #info', () => {
  it('builds a #sync whose CAR holds just the commit, as its root', () => {
    const last = chain.commits[4]
    const car = readCarSync(last.blocks)
    const commitObj = decodeCommit(car.blocks.get(last.commit)!)
    const sync = syncMessage(commitObj, 5, TIME)
    const parsed = parseSyncMessage(sync)
    const syncCar = readCarSync(parsed.blocks)
    expect(syncCar.roots[0].equals(last.commit)).toBe(true)
    expect(syncCar.blocks.size).toBe(1)
    expect(parsed.rev).toBe(last.rev)
    expect(invalid(() => parseSyncMessage({ ...sync, blocks: new Uint8Array(10_001) })).path).toBe('blocks')
    expect(invalid(() => parseSyncMessage({ ...sync, did: 'x' })).path).toBe('did')
  })

  it('checks #identity handles, allowing handle.invalid', () => {
    expect(parseIdentityMessage(identityMessage(TEST_DID, 1, 'alice.test', TIME)).handle).toBe('alice.test')
    expect(parseIdentityMessage(identityMessage(TEST_DID, 1, 'handle.invalid', TIME)).handle).toBe(
      'handle.invalid',
    )
    expect(parseIdentityMessage(identityMessage(TEST_DID, 1, undefined, TIME))).not.toHaveProperty('handle')
    expect(
      invalid(() => parseIdentityMessage({ seq: 1, did: TEST_DID, time: TIME, handle: 'no spaces.x' })).path,
    ).toBe('handle')
    expect(invalid(() => parseIdentityMessage({ seq: 1, did: TEST_DID })).path).toBe('time')
  })

  it('checks #account, accepting unknown status values', () => {
    expect(parseAccountMessage(accountMessage(TEST_DID, 2, false, 'throttled', TIME)).status).toBe(
      'throttled',
    )
    expect(invalid(() => parseAccountMessage({ seq: 2, did: TEST_DID, time: TIME })).path).toBe('active')
    expect(invalid(() => parseAccountMessage({ seq: 2, did: TEST_DID, time: TIME, active: 1 })).path).toBe(
      'active',
    )
    expect(
      invalid(() => parseAccountMessage({ seq: 2, did: TEST_DID, time: TIME, active: false, status: 3 }))
        .path,
    ).toBe('status')
  })

  it('checks #info', () => {
    expect(parseInfoMessage({ name: 'OutdatedCursor' })).toEqual({ name: 'OutdatedCursor' })
    expect(invalid(() => parseInfoMessage({ message: 'x' })).path).toBe('name')
  })
})

describe('decodeRepoFrame', () => {
  it('tags error frames and unknown types', () => {
    expect(decodeRepoFrame(encodeMessageFrame('#labels', { seq: 1 }))).toEqual({
      kind: 'unknown',
      t: '#labels',
    })
    const info = decodeRepoFrame(encodeRepoMessage({ t: '#info', body: { name: 'OutdatedCursor' } }))
    expect(info.kind === 'message' && messageSeq(info.message)).toBe(undefined)
  })

  it('reports a bad body of a known type as InvalidMessageError', () => {
    expect(invalid(() => decodeRepoFrame(encodeMessageFrame('#identity', { seq: 1 }))).type).toBe('#identity')
  })
})

describe('isValidRepoPath', () => {
  it('wants exactly an NSID and a record key', () => {
    expect(isValidRepoPath('app.bsky.feed.post/3k2a4cbx6mc2a')).toBe(true)
    expect(isValidRepoPath('app.bsky.actor.profile/self')).toBe(true)
    for (const p of [
      '',
      '/',
      'app.bsky.feed.post/',
      '/abc',
      'nsid/a/b',
      'notnsid/abc',
      'app.bsky.feed.post/..',
    ]) {
      expect(isValidRepoPath(p)).toBe(false)
    }
  })
})

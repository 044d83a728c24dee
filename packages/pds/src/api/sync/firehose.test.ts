// subscribeRepos end to end: the firehose consumer of @welkin/firehose reads this PDS's stream
// while the official client writes; every commit verifies (Sync 1.1 inversion) with the
// account's key, chains on the previous one, and every op is seen. Then cursor replay across a
// reconnect, the account-creation and reactivation event orders (each ending in a `#sync` whose
// commit verifies with the account's key), OutdatedCursor and FutureCursor.
import { AtUri } from '@atproto/api'
import { type CID, readCarSync } from '@welkin/data'
import { type RepoMessage, StreamErrorFrame, type SyncMessage, subscribeRepos } from '@welkin/firehose'
import { getAtprotoKey } from '@welkin/identity'
import { openPlcStore, PlcDirectory, type PlcServer, startPlcServer } from '@welkin/plc'
import { type Commit, decodeCommit, verifyCommitEvent, verifyCommitSignature } from '@welkin/repo'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Harness, startHarness, type TestAccount } from '../repo/harness.js'

let plc: PlcServer
let h: Harness
let accounts: TestAccount[]
const keys = new Map<string, string>()

beforeAll(async () => {
  plc = await startPlcServer(new PlcDirectory(await openPlcStore({})), { port: 0 })
  h = await startHarness(plc.url)
  accounts = [await h.account('hana'), await h.account('ivan')]
  for (const a of accounts)
    keys.set(a.did, getAtprotoKey(await h.pds.ctx.services.resolver.did.ensureResolve(a.did))!)
})

afterAll(async () => {
  await h?.close()
  await plc?.close()
})

const streamUrl = () => `${h.url.replace(/^http/, 'ws')}/xrpc/com.atproto.sync.subscribeRepos`
const head = () => h.pds.ctx.store.events.head() ?? 0

interface Consumer {
  events: RepoMessage[]
  stop(): void
  done: Promise<unknown>
  lastSeq(): number | undefined
}

function consume(cursor: number | undefined): Consumer {
  const ac = new AbortController()
  const events: RepoMessage[] = []
  let first = true
  const sub = subscribeRepos({
    url: streamUrl(),
    signal: ac.signal,
    // The first connection starts at `cursor`; reconnects resume after the last event handled.
    cursor: () => {
      if (!first) return sub.lastSeq
      first = false
      return cursor
    },
    onEvent: (e) => {
      events.push(e)
    },
  })
  return { events, stop: () => ac.abort(), done: sub.done, lastSeq: () => sub.lastSeq }
}

async function until(cond: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

const seqOf = (e: RepoMessage): number | undefined => (e.t === '#info' ? undefined : e.body.seq)
const didOf = (e: RepoMessage): string | undefined =>
  e.t === '#commit' ? e.body.repo : e.t === '#info' ? undefined : e.body.did

/**
 * sync.md "#sync Events": `blocks` is a CAR whose first root is the commit block, the commit's
 * rev and DID match the event, and its signature verifies with the account's current key.
 */
function verifySyncEvent(body: SyncMessage, key: string): { cid: CID; commit: Commit } {
  const car = readCarSync(body.blocks)
  const cid = car.roots[0]
  const bytes = car.blocks.get(cid)
  if (bytes === undefined) throw new Error('the #sync CAR lacks its root block')
  const commit = decodeCommit(bytes)
  expect(commit.did).toBe(body.did)
  expect(commit.rev).toBe(body.rev)
  expect(verifyCommitSignature(commit, key)).toBe(true)
  return { cid, commit }
}

describe('subscribeRepos', () => {
  it('delivers every op of a burst of writes as verifiable, chained commits', async () => {
    const consumer = consume(head())
    const expected = new Set<string>()
    const now = () => new Date().toISOString()
    await Promise.all(
      accounts.map(async (a) => {
        const posts = await Promise.all(
          Array.from({ length: 15 }, (_, i) => a.agent.post({ text: `burst ${i}`, createdAt: now() })),
        )
        for (const p of posts)
          expected.add(`${a.did} create ${new AtUri(p.uri).collection}/${new AtUri(p.uri).rkey}`)
        const like = await a.agent.like(posts[0].uri, posts[0].cid)
        expected.add(`${a.did} create app.bsky.feed.like/${new AtUri(like.uri).rkey}`)
        await a.agent.upsertProfile(() => ({ displayName: 'first' }))
        expected.add(`${a.did} create app.bsky.actor.profile/self`)
        await a.agent.upsertProfile(() => ({ displayName: 'second' }))
        expected.add(`${a.did} update app.bsky.actor.profile/self`)
        for (const p of posts.slice(0, 4)) {
          await a.agent.deletePost(p.uri)
          expected.add(`${a.did} delete app.bsky.feed.post/${new AtUri(p.uri).rkey}`)
        }
      }),
    )
    const seen = new Set<string>()
    const opsOf = () => {
      seen.clear()
      for (const e of consumer.events) {
        if (e.t !== '#commit') continue
        for (const op of e.body.ops) seen.add(`${e.body.repo} ${op.action} ${op.path}`)
      }
      return seen
    }
    await until(() => [...expected].every((x) => opsOf().has(x)), 'every op on the stream')
    consumer.stop()

    const last = new Map<string, { rev: string; data: CID }>()
    let prevSeq = 0
    for (const e of consumer.events) {
      expect(e.t).toBe('#commit')
      if (e.t !== '#commit') continue
      expect(e.body.seq).toBeGreaterThan(prevSeq)
      prevSeq = e.body.seq
      const verified = verifyCommitEvent(e.body, keys.get(e.body.repo)!)
      const before = last.get(e.body.repo)
      if (before) {
        expect(e.body.since).toBe(before.rev)
        expect(e.body.prevData?.equals(before.data)).toBe(true)
      }
      expect(e.body.prevData).toBeDefined()
      for (const op of e.body.ops) {
        if (op.action === 'create') expect(op.prev).toBeUndefined()
        else expect(op.prev).toBeDefined()
      }
      last.set(e.body.repo, { rev: e.body.rev, data: verified.data })
    }
    expect(opsOf()).toEqual(expected)
  })

  it('replays from a cursor and resumes after a reconnect without gaps or repeats', async () => {
    const all = consume(0)
    await until(() => (all.lastSeq() ?? 0) >= head(), 'the whole log')
    all.stop()
    const seqs = all.events.map(seqOf)
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1))

    const cut = Math.floor(seqs.length / 2)
    const first = consume(cut)
    await until(() => first.events.length >= 5, 'a few events')
    first.stop()
    await first.done
    const resumeAt = first.lastSeq()!
    const second = consume(resumeAt)
    await until(() => (second.lastSeq() ?? resumeAt) >= head(), 'the rest')
    second.stop()
    expect([...first.events, ...second.events].map(seqOf)).toEqual(seqs.slice(cut))

    // A new account, live: #identity, #account, its first #commit (account-lifecycle.md), then
    // the #sync the official PDS also sends, carrying that same commit.
    const live = consume(head())
    const jun = await h.account('jun')
    await until(() => live.events.some((e) => e.t === '#sync' && e.body.did === jun.did), 'jun')
    live.stop()
    const mine = live.events.filter((e) => didOf(e) === jun.did)
    expect(mine.map((e) => e.t)).toEqual(['#identity', '#account', '#commit', '#sync'])
    const [, , firstCommit, sync] = mine
    if (firstCommit?.t !== '#commit' || sync?.t !== '#sync') throw new Error('unreachable')
    expect(firstCommit.body.since).toBeNull()
    const key = getAtprotoKey(await h.pds.ctx.services.resolver.did.ensureResolve(jun.did))!
    verifyCommitEvent(firstCommit.body, key)
    expect(verifySyncEvent(sync.body, key).cid.equals(firstCommit.body.commit)).toBe(true)
    expect(sync.body.rev).toBe(firstCommit.body.rev)
  })

  it('re-anchors a reactivated account: #account, #account active, an empty #commit, then #sync', async () => {
    const [hana] = accounts
    const live = consume(head())
    await hana.agent.com.atproto.server.deactivateAccount({})
    await hana.agent.com.atproto.server.activateAccount()
    await until(() => live.events.some((e) => e.t === '#sync' && e.body.did === hana.did), 'hana #sync')
    live.stop()
    const mine = live.events.filter((e) => didOf(e) === hana.did)
    expect(
      mine.map((e) => [
        e.t,
        e.t === '#account' ? e.body.active : undefined,
        e.t === '#account' ? e.body.status : undefined,
      ]),
    ).toEqual([
      ['#account', false, 'deactivated'],
      ['#account', true, undefined],
      ['#commit', undefined, undefined],
      ['#sync', undefined, undefined],
    ])
    const [, , commit, sync] = mine
    if (commit?.t !== '#commit' || sync?.t !== '#sync') throw new Error('unreachable')
    expect(commit.body.ops).toEqual([])
    const key = keys.get(hana.did)!
    verifyCommitEvent(commit.body, key)
    const anchored = verifySyncEvent(sync.body, key)
    // The #sync names the commit the repo now stands at: the fresh empty one.
    expect(anchored.cid.equals(commit.body.commit)).toBe(true)
    const latest = h.pds.ctx.store.reader.getRoot(hana.did)!
    expect(latest.rev).toBe(sync.body.rev)
    expect(latest.cid.equals(anchored.cid)).toBe(true)
  })

  it('sends OutdatedCursor for a cursor older than the retained window, FutureCursor past the head', async () => {
    const store = h.pds.ctx.store
    const pruned = store.events.prune(Date.now() + store.events.retentionMs + 60_000)
    expect(pruned).toBeGreaterThan(0)
    const oldest = store.events.oldest()!
    const old = consume(1)
    await until(() => old.events.length >= 2, 'the info and the window')
    old.stop()
    expect(old.events[0]).toMatchObject({ t: '#info', body: { name: 'OutdatedCursor' } })
    expect(seqOf(old.events[1])).toBe(oldest)

    const future = consume(head() + 1000)
    const end = (await future.done) as { reason: string; error?: unknown }
    expect(end.reason).toBe('fatal')
    expect(end.error).toBeInstanceOf(StreamErrorFrame)
    expect((end.error as StreamErrorFrame).error).toBe('FutureCursor')
    expect(future.events).toEqual([])
  })

  it('refuses a malformed cursor before streaming', async () => {
    for (const cursor of ['-1', 'abc', '1.5']) {
      const res = await fetch(`${h.url}/xrpc/com.atproto.sync.subscribeRepos?cursor=${cursor}`)
      expect(res.status).toBeGreaterThanOrEqual(400)
      expect(res.status).toBeLessThan(500)
    }
  })
})

// The relay end to end on loopback: a real PLC directory, fake PDS hosts with real signed
// repos, the relay's own SQLite and segment files, its stream read by the firehose consumer.
import { Secp256k1Keypair } from '@welkin/crypto'
import type { CommitMessage, RepoMessage } from '@welkin/firehose'
import { verifyCommitEvent } from '@welkin/repo'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { useTestPlc } from '../../../test/support/plc.js'
import type { Relay } from './relay.js'
import { FakePds } from './testing/fake-pds.js'
import { ADMIN_PASSWORD, post, requestCrawl, startTestRelay, tempDir, xrpcGet } from './testing/harness.js'
import { readStream, waitUntil } from './testing/stream-reader.js'

const plc = useTestPlc()

const commits = (msgs: RepoMessage[]) =>
  msgs.filter((m): m is { t: '#commit'; body: CommitMessage } => m.t === '#commit')

describe('relay: ingest, verify, output, API', () => {
  let pds: FakePds
  let relay: Relay
  let data: ReturnType<typeof tempDir>

  beforeAll(async () => {
    pds = await FakePds.start(plc.url)
    data = tempDir()
    relay = await startTestRelay(plc.url, data.path, { verifyWorkers: 1 })
  })
  afterAll(async () => {
    await relay?.close()
    await pds?.close()
    data?.remove()
  })

  it('crawls a host on requestCrawl and republishes its verified events in order', async () => {
    const a = await pds.createAccount()
    const b = await pds.createAccount()
    pds.identity(a)
    pds.account(a, true)
    for (let i = 0; i < 3; i++) await pds.commit(a)
    for (let i = 0; i < 2; i++) await pds.commit(b)
    const reader = readStream(relay.url, 0)
    expect((await requestCrawl(relay, pds.url)).status).toBe(200)
    await reader.until((m) => commits(m).length === 5, 20_000, 'five commits')
    const seqs = reader.messages.map((m) => (m.body as { seq: number }).seq)
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y))
    expect(new Set(seqs).size).toBe(seqs.length)
    expect(reader.messages.map((m) => m.t).slice(0, 2)).toEqual(['#identity', '#account'])
    for (const { body } of commits(reader.messages)) {
      const acct = pds.accounts.get(body.repo)!
      verifyCommitEvent(body, acct.keypair.did())
    }
    const revsA = commits(reader.messages)
      .filter((m) => m.body.repo === a.did)
      .map((m) => m.body.rev)
    expect(revsA).toEqual([...revsA].sort())
    await reader.stop()

    const latest = await xrpcGet(relay.url, 'com.atproto.sync.getLatestCommit', { did: a.did })
    expect(latest.body).toEqual({ cid: a.repo.head!.cid.toString(), rev: a.repo.head!.commit.rev })
    const status = await xrpcGet(relay.url, 'com.atproto.sync.getRepoStatus', { did: b.did })
    expect(status.body).toEqual({ did: b.did, active: true, rev: b.repo.head!.commit.rev })
    relay.flush()
    const repos = await xrpcGet(relay.url, 'com.atproto.sync.listRepos')
    expect((repos.body.repos as { did: string }[]).map((r) => r.did).sort()).toEqual([a.did, b.did].sort())
    const byCollection = await xrpcGet(relay.url, 'com.atproto.sync.listReposByCollection', {
      collection: 'app.bsky.feed.post',
    })
    expect((byCollection.body.repos as { did: string }[]).length).toBe(2)
    const hosts = await xrpcGet(relay.url, 'com.atproto.sync.listHosts')
    expect(hosts.body.hosts).toEqual([
      expect.objectContaining({ hostname: pds.hostname, accountCount: 2, status: 'active' }),
    ])
    const hostStatus = await xrpcGet(relay.url, 'com.atproto.sync.getHostStatus', { hostname: pds.hostname })
    expect(hostStatus.body).toMatchObject({ hostname: pds.hostname, seq: pds.lastSeq })
    const missing = await xrpcGet(relay.url, 'com.atproto.sync.getHostStatus', {
      hostname: 'nope.example.com',
    })
    expect(missing.body.error).toBe('HostNotFound')
    const repo = await xrpcGet(relay.url, 'com.atproto.sync.getRepo', { did: a.did })
    expect(repo.status).toBe(302)
    expect(repo.headers.get('location')).toBe(
      `http://${pds.hostname}/xrpc/com.atproto.sync.getRepo?did=${encodeURIComponent(a.did)}`,
    )
    const unknown = await xrpcGet(relay.url, 'com.atproto.sync.getLatestCommit', {
      did: 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa',
    })
    expect(unknown.body.error).toBe('RepoNotFound')
  })

  it('replays from a cursor, refuses a future one, and serves live events after the replay', async () => {
    const head = relay.ctx.sequencer.head
    const replay = readStream(relay.url, 2)
    await replay.until((m) => m.length === head - 2, 10_000, 'replay')
    const a = [...pds.accounts.values()][0]
    await pds.commit(a)
    await replay.until((m) => m.length === head - 1, 10_000, 'live commit after replay')
    expect((replay.messages[0].body as { seq: number }).seq).toBe(3)
    await replay.stop()

    const res = await new Promise<string>((resolve) => {
      const ws = new WebSocket(
        `${relay.url.replace('http', 'ws')}/xrpc/com.atproto.sync.subscribeRepos?cursor=${head + 1000}`,
      )
      ws.on('message', (d: Buffer) => resolve(d.toString('latin1')))
    })
    expect(res).toContain('FutureCursor')
  })

  it('exposes Prometheus metrics', async () => {
    await waitUntil(() => relay.ctx.hosts.get(pds.hostname)!.queued === 0, 10_000, 'the host queue drained')
    const res = await fetch(`${relay.url}/metrics`)
    const text = await res.text()
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/)
    expect(text).toMatch(new RegExp(`relay_events_in_total\\{host="${pds.hostname}",type="#commit"\\} \\d+`))
    // Out per host: every commit verified from the host is counted as it went out.
    const verified = relay.counters.verified.get({ host: pds.hostname })
    expect(verified).toBeGreaterThanOrEqual(6)
    expect(text).toContain(`relay_events_out_total{host="${pds.hostname}",type="#commit"} ${verified}`)
    expect(text).toContain(`relay_events_out_total{host="${pds.hostname}",type="#identity"} 1`)
    expect(text).toMatch(/relay_seq [1-9]/)
    // The host's last event was read within seconds of its time; nothing is left in its queue.
    const gauge = (name: string) => {
      const m = new RegExp(`^${name}\\{host="${pds.hostname}"\\} (\\S+)$`, 'm').exec(text)
      expect(m, `${name} for ${pds.hostname}`).not.toBeNull()
      return Number(m![1])
    }
    const lag = gauge('relay_host_lag_seconds')
    expect(lag).toBeGreaterThanOrEqual(0)
    expect(lag).toBeLessThan(60)
    expect(gauge('relay_host_queue_depth')).toBe(0)
    expect(text).toContain('relay_subscribers')
    expect(text).toContain('relay_verify_queue_depth')
  })

  it('admin: needs the password, lists hosts, changes limits, takes an account down and back', async () => {
    expect((await post(relay.url, '/admin/hosts/ban', { hostname: pds.hostname })).status).toBe(401)
    expect((await post(relay.url, '/admin/hosts/ban', { hostname: pds.hostname }, 'wrong')).status).toBe(401)
    const listed = await fetch(`${relay.url}/admin/hosts`, {
      headers: { authorization: `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}` },
    })
    expect(((await listed.json()) as { hosts: unknown[] }).hosts).toHaveLength(1)
    const limits = await post(
      relay.url,
      '/admin/hosts/limits',
      { hostname: pds.hostname, eventsPerSecond: 77 },
      ADMIN_PASSWORD,
    )
    expect(limits.body).toMatchObject({ eventsPerSecond: 77 })

    const a = [...pds.accounts.values()][0]
    const reader = readStream(relay.url)
    await new Promise((r) => setTimeout(r, 100))
    const down = await post(relay.url, '/admin/repos/takedown', { did: a.did }, ADMIN_PASSWORD)
    expect(down.body).toEqual({ did: a.did, active: false, status: 'takendown' })
    // The relay's own event: counted out with no upstream host.
    expect(relay.counters.eventsOut.get({ host: '', type: '#account' })).toBe(1)
    await reader.until((m) =>
      m.some((x) => x.t === '#account' && x.body.did === a.did && x.body.status === 'takendown'),
    )
    const latest = await xrpcGet(relay.url, 'com.atproto.sync.getLatestCommit', { did: a.did })
    expect(latest.body.error).toBe('RepoTakendown')
    const before = relay.counters.drops.get({ host: pds.hostname, reason: 'takendown' })
    await pds.commit(a)
    await waitUntil(
      () => relay.counters.drops.get({ host: pds.hostname, reason: 'takendown' }) === before + 1,
    )
    await post(relay.url, '/admin/repos/untakedown', { did: a.did }, ADMIN_PASSWORD)
    await reader.until((m) => m.some((x) => x.t === '#account' && x.body.did === a.did && x.body.active))
    await reader.stop()
  })

  it('admin: a banned host is disconnected and refused; unbanned, it is crawled again', async () => {
    const ban = await post(relay.url, '/admin/hosts/ban', { hostname: pds.hostname }, ADMIN_PASSWORD)
    expect(ban.body).toMatchObject({ status: 'banned', banned: true })
    const again = await requestCrawl(relay, pds.hostname)
    expect(again.body.error).toBe('HostBanned')
    const a = [...pds.accounts.values()][1]
    await pds.commit(a)
    await post(relay.url, '/admin/hosts/unban', { hostname: pds.hostname }, ADMIN_PASSWORD)
    await waitUntil(
      () => relay.ctx.state.get(a.did)?.rev === a.repo.head!.commit.rev,
      10_000,
      'the commit made while banned, read after unbanning',
    )
  })
})

describe('relay: restart, limits, chain breaks', () => {
  it('resumes from persisted cursors after a restart without repeating or losing events', async () => {
    const pds = await FakePds.start(plc.url)
    const data = tempDir()
    let relay = await startTestRelay(plc.url, data.path)
    try {
      const a = await pds.createAccount()
      for (let i = 0; i < 3; i++) await pds.commit(a)
      await requestCrawl(relay, pds.url)
      await waitUntil(() => relay.ctx.state.get(a.did)?.rev === a.repo.head!.commit.rev)
      const headBefore = relay.ctx.sequencer.head
      await relay.close()
      for (let i = 0; i < 2; i++) await pds.commit(a)
      relay = await startTestRelay(plc.url, data.path)
      await waitUntil(() => relay.ctx.state.get(a.did)?.rev === a.repo.head!.commit.rev, 10_000, 'resumed')
      const reader = readStream(relay.url, 0)
      await reader.until((m) => commits(m).length === 5)
      expect(relay.ctx.sequencer.head).toBe(headBefore + 2)
      expect(new Set(commits(reader.messages).map((m) => m.body.rev)).size).toBe(5)
      await reader.stop()
    } finally {
      await relay.close()
      await pds.close()
      data.remove()
    }
  })

  it('holds a new host to its account limit', async () => {
    const pds = await FakePds.start(plc.url)
    const data = tempDir()
    const relay = await startTestRelay(plc.url, data.path, {
      newHostLimits: { accountLimit: 1, eventsPerSecond: 1000 },
    })
    try {
      const a = await pds.createAccount()
      const b = await pds.createAccount()
      await pds.commit(a)
      await pds.commit(b)
      await pds.commit(a)
      await requestCrawl(relay, pds.url)
      await waitUntil(() => relay.counters.drops.get({ host: pds.hostname, reason: 'account-limit' }) === 1)
      await waitUntil(() => relay.ctx.state.get(a.did)?.rev === a.repo.head!.commit.rev)
      expect(relay.ctx.state.get(b.did)?.rev ?? null).toBeNull()
    } finally {
      await relay.close()
      await pds.close()
      data.remove()
    }
  })

  it('announces a broken chain as #sync, accepts #sync resets, and drops revs not newer', async () => {
    const pds = await FakePds.start(plc.url)
    const data = tempDir()
    const relay = await startTestRelay(plc.url, data.path)
    try {
      const a = await pds.createAccount()
      await pds.commit(a)
      await requestCrawl(relay, pds.url)
      const reader = readStream(relay.url, 0)
      await reader.until((m) => commits(m).length === 1)
      // A commit the relay never sees: the next one's prevData is not the tree the relay knows.
      await a.repo.commit()
      await pds.commit(a)
      await reader.until((m) => m.some((x) => x.t === '#sync'), 10_000, '#sync for the broken chain')
      expect(relay.counters.drops.get({ host: pds.hostname, reason: 'prevdata-mismatch' })).toBe(1)
      expect(relay.ctx.state.get(a.did)?.rev).toBe(a.repo.head!.commit.rev)
      // The chain continues from the new state.
      await pds.commit(a)
      await reader.until((m) => commits(m).length === 2)
      // A #sync at the current rev changes nothing and is not repeated downstream.
      pds.sync(a)
      await waitUntil(() => relay.counters.drops.get({ host: pds.hostname, reason: 'sync-unchanged' }) === 1)
      await a.repo.commit()
      pds.sync(a)
      await reader.until((m) => m.filter((x) => x.t === '#sync').length === 2)
      await pds.commit(a)
      await reader.until((m) => commits(m).length === 3)
      await reader.stop()
    } finally {
      await relay.close()
      await pds.close()
      data.remove()
    }
  })

  it('refuses loopback hosts unless allowed, and malformed hostnames', async () => {
    const data = tempDir()
    const relay = await startTestRelay(plc.url, data.path, { allowLoopback: false })
    try {
      const res = await requestCrawl(relay, 'localhost:1234')
      expect(res.status).toBe(400)
      expect(String(res.body.message)).toMatch(/loopback/)
      expect((await requestCrawl(relay, '10.0.0.1')).status).toBe(400)
      expect((await requestCrawl(relay, 'http://pds.example.com')).status).toBe(400)
      expect((await requestCrawl(relay, 'pds.local')).status).toBe(400)
    } finally {
      await relay.close()
      data.remove()
    }
  })

  it('does not take a key rotation for a forgery: re-resolves, then verifies with the new key', async () => {
    const pds = await FakePds.start(plc.url)
    const data = tempDir()
    const relay = await startTestRelay(plc.url, data.path)
    try {
      const a = await pds.createAccount()
      await pds.commit(a)
      await requestCrawl(relay, pds.url)
      await waitUntil(() => relay.ctx.state.get(a.did)?.rev === a.repo.head!.commit.rev)
      // Rotate the signing key in the directory, then sign with the new key.
      const { createUpdateOp } = await import('@welkin/identity')
      const log = (await (await fetch(`${plc.url}/${a.did}/log`)).json()) as unknown[]
      const newKey = Secp256k1Keypair.createSync()
      const op = await createUpdateOp(log[log.length - 1] as never, a.rotationKey, (f) => ({
        ...f,
        verificationMethods: { ...f.verificationMethods, atproto: newKey.did() },
      }))
      const res = await fetch(`${plc.url}/${a.did}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(op),
      })
      expect(res.ok).toBe(true)
      a.repo.keypair = newKey
      await pds.commit(a)
      await waitUntil(
        () => relay.ctx.state.get(a.did)?.rev === a.repo.head!.commit.rev,
        10_000,
        'rotated commit',
      )
      expect(relay.ctx.state.get(a.did)?.signingKey).toBe(newKey.did())
    } finally {
      await relay.close()
      await pds.close()
      data.remove()
    }
  })
})

// Host management on loopback: event-rate pacing (throttled, nothing lost), offline and idle
// status, hosts imported from another relay's listHosts, and #account status handling.
import { describe, expect, it } from 'vitest'
import { useTestPlc } from '../../../../test/support/plc.js'
import { FakePds } from '../testing/fake-pds.js'
import { ADMIN_PASSWORD, post, requestCrawl, startTestRelay, tempDir, xrpcGet } from '../testing/harness.js'
import { readStream, waitUntil } from '../testing/stream-reader.js'

const plc = useTestPlc()

describe('hosts', () => {
  it('paces a host over its event rate instead of dropping, and reports it throttled', async () => {
    const pds = await FakePds.start(plc.url)
    const data = tempDir()
    const relay = await startTestRelay(plc.url, data.path, {
      newHostLimits: { accountLimit: 100, eventsPerSecond: 2 },
    })
    try {
      const a = await pds.createAccount()
      // 2/s with a 10 s burst: 20 go at once, the rest at two a second.
      for (let i = 0; i < 24; i++) await pds.commit(a)
      await requestCrawl(relay, pds.url)
      await waitUntil(() => relay.ctx.hosts.get(pds.hostname)?.status === 'throttled', 10_000, 'throttled')
      await waitUntil(
        () => relay.ctx.state.get(a.did)?.rev === a.repo.head!.commit.rev,
        15_000,
        'all commits',
      )
      expect(relay.counters.drops.sum()).toBe(0)
      expect(relay.counters.verified.sum()).toBe(24)
    } finally {
      await relay.close()
      await pds.close()
      data.remove()
    }
  })

  it('marks a host that went away offline, and an unused one idle', async () => {
    const pds = await FakePds.start(plc.url)
    const data = tempDir()
    const relay = await startTestRelay(plc.url, data.path)
    try {
      await requestCrawl(relay, pds.url)
      await waitUntil(() => relay.ctx.hosts.get(pds.hostname)?.status === 'idle', 5000, 'idle')
      await pds.close()
      await waitUntil(() => relay.ctx.hosts.get(pds.hostname)?.status === 'offline', 10_000, 'offline')
      const status = await xrpcGet(relay.url, 'com.atproto.sync.getHostStatus', { hostname: pds.hostname })
      expect(status.body.status).toBe('offline')
    } finally {
      await relay.close()
      data.remove()
    }
  })

  it("imports hosts from another relay's listHosts", async () => {
    const pds = await FakePds.start(plc.url)
    const [d1, d2] = [tempDir(), tempDir()]
    const upstream = await startTestRelay(plc.url, d1.path)
    const relay = await startTestRelay(plc.url, d2.path)
    try {
      await requestCrawl(upstream, pds.url)
      const res = await post(relay.url, '/admin/hosts/import', { relay: upstream.url }, ADMIN_PASSWORD)
      expect(res.body).toEqual({ added: 1, failed: 0 })
      const hosts = await xrpcGet(relay.url, 'com.atproto.sync.listHosts')
      expect((hosts.body.hosts as { hostname: string }[]).map((h) => h.hostname)).toEqual([pds.hostname])
      const a = await pds.createAccount()
      await pds.commit(a)
      await waitUntil(() => relay.ctx.state.get(a.did)?.rev === a.repo.head!.commit.rev, 10_000, 'crawled')
    } finally {
      await relay.close()
      await upstream.close()
      await pds.close()
      d1.remove()
      d2.remove()
    }
  })

  it('follows #account: an inactive account is reported so and its commits are not relayed', async () => {
    const pds = await FakePds.start(plc.url)
    const data = tempDir()
    const relay = await startTestRelay(plc.url, data.path)
    try {
      const a = await pds.createAccount()
      await pds.commit(a)
      await requestCrawl(relay, pds.url)
      const reader = readStream(relay.url, 0)
      await reader.until((m) => m.some((x) => x.t === '#commit'))
      pds.account(a, false, 'deactivated')
      await reader.until((m) =>
        m.some((x) => x.t === '#account' && !x.body.active && x.body.status === 'deactivated'),
      )
      const status = await xrpcGet(relay.url, 'com.atproto.sync.getRepoStatus', { did: a.did })
      expect(status.body).toEqual({ did: a.did, active: false, status: 'deactivated' })
      expect((await xrpcGet(relay.url, 'com.atproto.sync.getLatestCommit', { did: a.did })).body.error).toBe(
        'RepoDeactivated',
      )
      await pds.commit(a)
      await waitUntil(() => relay.counters.drops.get({ host: pds.hostname, reason: 'inactive' }) === 1)
      pds.account(a, true)
      // The commit made while inactive was not relayed, so the next one is announced as the
      // repo's new state (#sync); the one after continues the chain as a #commit.
      await pds.commit(a)
      await reader.until((m) => m.some((x) => x.t === '#sync'), 10_000, '#sync after reactivation')
      await pds.commit(a)
      await reader.until((m) => m.filter((x) => x.t === '#commit').length === 2, 10_000, 'commits again')
      await reader.stop()
    } finally {
      await relay.close()
      await pds.close()
      data.remove()
    }
  })
})

// Operator changes on a running relay: raising a host's account limit admits the account it
// was refusing at once, and the new limit survives a restart on the same data directory; an
// admin crawl adds a host (without the public describeServer check) whose commits then flow.
import { describe, expect, it } from 'vitest'
import { useTestPlc } from '../../../../test/support/plc.js'
import type { Relay } from '../relay.js'
import { FakePds } from '../testing/fake-pds.js'
import { ADMIN_PASSWORD, post, requestCrawl, startTestRelay, tempDir } from '../testing/harness.js'
import { waitUntil } from '../testing/stream-reader.js'

const plc = useTestPlc()

describe('admin', () => {
  it('raises an account limit: the refused account gets in, and the limit persists across a restart', async () => {
    const pds = await FakePds.start(plc.url)
    const data = tempDir()
    const overrides = { newHostLimits: { accountLimit: 1, eventsPerSecond: 1000 } }
    let relay: Relay = await startTestRelay(plc.url, data.path, overrides)
    try {
      const a = await pds.createAccount()
      const b = await pds.createAccount()
      await pds.commit(a)
      await pds.commit(b)
      expect((await requestCrawl(relay, pds.url)).status).toBe(200)
      const limitDrops = () => relay.counters.drops.get({ host: pds.hostname, reason: 'account-limit' })
      await waitUntil(() => limitDrops() === 1, 15_000, "B's commit refused at the limit")
      await waitUntil(() => relay.ctx.state.get(a.did)?.rev === a.repo.head!.commit.rev)
      expect(relay.ctx.state.get(b.did)?.rev ?? null).toBeNull()

      const raised = await post(
        relay.url,
        '/admin/hosts/limits',
        { hostname: pds.hostname, accountLimit: 5 },
        ADMIN_PASSWORD,
      )
      expect(raised.status).toBe(200)
      expect(raised.body).toMatchObject({ hostname: pds.hostname, accountLimit: 5, eventsPerSecond: 1000 })
      await pds.commit(b)
      await waitUntil(
        () => relay.ctx.state.get(b.did)?.rev === b.repo.head!.commit.rev,
        15_000,
        "B's next commit",
      )
      expect(limitDrops()).toBe(1)
      expect(relay.ctx.hosts.get(pds.hostname)!.accountCount).toBe(2)

      await relay.close()
      relay = await startTestRelay(plc.url, data.path, overrides)
      const host = relay.ctx.hosts.get(pds.hostname)!
      expect({ limit: host.accountLimit, count: host.accountCount }).toEqual({ limit: 5, count: 2 })
      const listed = await fetch(`${relay.url}/admin/hosts`, {
        headers: { authorization: `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}` },
      })
      const { hosts } = (await listed.json()) as { hosts: Record<string, unknown>[] }
      expect(hosts).toEqual([expect.objectContaining({ hostname: pds.hostname, accountLimit: 5 })])
      // Three more accounts fit under the raised limit after the restart too.
      const more = [await pds.createAccount(), await pds.createAccount(), await pds.createAccount()]
      for (const c of more) await pds.commit(c)
      for (const c of more)
        await waitUntil(
          () => relay.ctx.state.get(c.did)?.rev === c.repo.head!.commit.rev,
          15_000,
          'new account',
        )
      expect(relay.counters.drops.get({ host: pds.hostname, reason: 'account-limit' })).toBe(0)
    } finally {
      await relay.close()
      await pds.close()
      data.remove()
    }
  })

  it('crawls a new host on POST /admin/hosts/crawl, and its commits arrive', async () => {
    const pds = await FakePds.start(plc.url)
    const data = tempDir()
    // Public requestCrawl would call describeServer; the admin route skips that check.
    const checked: string[] = []
    const relay = await startTestRelay(
      plc.url,
      data.path,
      {},
      {
        checkHost: async (h) => {
          checked.push(h)
          throw new Error('not checked here')
        },
      },
    )
    try {
      const a = await pds.createAccount()
      await pds.commit(a)
      expect(relay.ctx.hosts.list()).toHaveLength(0)
      expect((await post(relay.url, '/admin/hosts/crawl', { hostname: pds.url })).status).toBe(401)
      const res = await post(relay.url, '/admin/hosts/crawl', { hostname: pds.url }, ADMIN_PASSWORD)
      expect(res.status).toBe(200)
      expect(res.body).toMatchObject({ hostname: pds.hostname, banned: false })
      await waitUntil(
        () => relay.ctx.state.get(a.did)?.rev === a.repo.head!.commit.rev,
        15_000,
        'first commit',
      )
      await pds.commit(a)
      await waitUntil(
        () => relay.ctx.state.get(a.did)?.rev === a.repo.head!.commit.rev,
        15_000,
        'next commit',
      )
      expect(relay.counters.verified.get({ host: pds.hostname })).toBe(2)
      expect(checked).toEqual([])
      const bad = await post(relay.url, '/admin/hosts/crawl', { hostname: 'not a host' }, ADMIN_PASSWORD)
      expect(bad.status).toBe(400)
    } finally {
      await relay.close()
      await pds.close()
      data.remove()
    }
  })
})

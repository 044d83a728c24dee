// The relay between two PDS implementations and the official consumer: it crawls a Welkin PDS
// and the official PDS (@atproto/pds 0.4.x, in a child process) at once, both registered at
// one PLC directory; the official firehose consumer (@atproto/sync 0.1.40, resolving keys from
// that directory itself) reads the relay and verifies every commit's signature and MST proofs;
// and the relay's getLatestCommit agrees with each PDS.
import { IdResolver } from '@atproto/identity'
import { type Event, Firehose, MemoryRunner } from '@atproto/sync'
import {
  createAccount,
  getLatestCommit,
  type OfficialPds,
  startOfficialPds,
  writePosts,
} from '@welkin/interop'
import { createPds, type Pds, resolvePdsConfig } from '@welkin/pds'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { useTestPlc } from '../../../../test/support/plc.js'
import type { Relay } from '../relay.js'
import { requestCrawl, startTestRelay, tempDir, xrpcGet } from '../testing/harness.js'
import { waitUntil } from '../testing/stream-reader.js'

const plc = useTestPlc()

let relayData: ReturnType<typeof tempDir>
let pdsData: ReturnType<typeof tempDir>
let relay: Relay
let official: OfficialPds
let welkin: Pds

beforeAll(async () => {
  relayData = tempDir()
  relay = await startTestRelay(plc.url, relayData.path, { verifyWorkers: 1 })
  official = await startOfficialPds({ plcUrl: plc.url, crawlers: [relay.url] })
  pdsData = tempDir('welkin-relay-pds-')
  welkin = await createPds(
    resolvePdsConfig({
      port: 0,
      hostname: 'localhost',
      dataDirectory: pdsData.path,
      devMode: true,
      didPlcUrl: plc.url,
      serviceHandleDomains: ['.test'],
      crawlers: [relay.url],
    }),
    { log: () => {}, maintenance: false },
  )
}, 120_000)

afterAll(async () => {
  await relay?.close()
  await welkin?.close()
  await official?.close()
  for (const d of [relayData, pdsData]) d?.remove()
})

interface Written {
  did: string
  pds: string
  uris: string[]
}

async function welkinAccount(name: string, posts: number): Promise<Written> {
  const res = await fetch(`${welkin.url}/xrpc/com.atproto.server.createAccount`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ handle: `${name}.test`, email: `${name}@example.com`, password: 'change-me-now' }),
  })
  expect(res.status).toBe(200)
  const { did, accessJwt } = (await res.json()) as { did: string; accessJwt: string }
  const uris: string[] = []
  for (let i = 0; i < posts; i++) {
    const r = await fetch(`${welkin.url}/xrpc/com.atproto.repo.createRecord`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${accessJwt}` },
      body: JSON.stringify({
        repo: did,
        collection: 'app.bsky.feed.post',
        record: {
          $type: 'app.bsky.feed.post',
          text: `welkin post ${i}`,
          createdAt: new Date().toISOString(),
        },
      }),
    })
    expect(r.status).toBe(200)
    uris.push(((await r.json()) as { uri: string }).uri)
  }
  return { did, pds: welkin.url, uris }
}

describe('relay interop', () => {
  it('relays a Welkin PDS and the official PDS to the official consumer, every commit verified', async () => {
    const welkinHost = new URL(welkin.ctx.config.service.publicUrl).host
    const officialHost = new URL(official.url).host
    // The Welkin PDS asks for a crawl itself, as localhost:PORT (dev mode, over http); the
    // official PDS asks by its bare hostname, which names no port on loopback. Ask for both
    // with host:port, so neither depends on when its own request arrives.
    for (const host of [welkinHost, officialHost]) expect((await requestCrawl(relay, host)).status).toBe(200)

    const accounts: Written[] = []
    for (let i = 0; i < 2; i++) {
      const acct = await createAccount(official)
      const posts = await writePosts(acct, 3)
      accounts.push({ did: acct.did, pds: official.url, uris: posts.map((p) => p.uri) })
      accounts.push(await welkinAccount(`w${i}x${Date.now() % 100_000}`, 3))
    }
    for (const a of accounts) {
      await waitUntil(
        () => relay.ctx.state.get(a.did)?.rev !== undefined && relay.ctx.state.get(a.did)?.rev !== null,
        30_000,
        `${a.did} on the relay (hosts: ${JSON.stringify(relay.ctx.hosts.list().map((h) => [h.hostname, h.status, h.lastError]))}, drops: ${JSON.stringify(relay.counters.drops.samples())})`,
      )
    }
    // Until the relay has each account's latest commit.
    for (const a of accounts) {
      const want = await getLatestCommit(a.pds, a.did)
      await waitUntil(() => relay.ctx.state.get(a.did)?.rev === want.rev, 30_000, `${a.did} at ${want.rev}`)
      const got = await xrpcGet(relay.url, 'com.atproto.sync.getLatestCommit', { did: a.did })
      expect(got.body).toEqual(want)
    }
    // The only events set aside: each PDS's #sync at account creation, which repeats the
    // first commit's state.
    expect(relay.counters.drops.samples().filter(([labels]) => labels[1] !== 'sync-unchanged')).toEqual([])

    const events: Event[] = []
    const errors: Error[] = []
    const firehose = new Firehose({
      idResolver: new IdResolver({ plcUrl: plc.url }),
      service: relay.url.replace(/^http/, 'ws'),
      runner: new MemoryRunner({ startCursor: 0 }),
      excludeIdentity: true,
      excludeAccount: true,
      handleEvent: (evt) => {
        events.push(evt)
      },
      onError: (err) => errors.push(err),
    })
    void firehose.start()
    const wanted = accounts.flatMap((a) => a.uris)
    const seen = () =>
      new Set<string>(events.filter((e) => e.event === 'create').map((e) => e.uri.toString()))
    try {
      await waitUntil(
        () => wanted.every((u) => seen().has(u)) || errors.length > 0,
        30_000,
        'official consumer',
      )
    } finally {
      await Promise.race([firehose.destroy(), new Promise((r) => setTimeout(r, 3000))])
    }
    expect(errors.map((e) => `${e.message}: ${(e.cause as Error)?.message}`)).toEqual([])
    expect(wanted.filter((u) => !seen().has(u))).toEqual([])
    // Every commit of both hosts came through, each verified by the official consumer.
    const dids = new Set(accounts.map((a) => a.did))
    const commitDids = new Set(
      events.filter((e) => e.event === 'create' || e.event === 'update').map((e) => e.did),
    )
    expect([...dids].filter((d) => !commitDids.has(d))).toEqual([])
    const hosts = await xrpcGet(relay.url, 'com.atproto.sync.listHosts')
    expect(
      (hosts.body.hosts as { hostname: string; accountCount: number }[])
        .map((h) => [h.hostname, h.accountCount])
        .sort(),
    ).toEqual(
      [
        [officialHost, 2],
        [welkinHost, 2],
      ].sort(),
    )
  }, 180_000)
})

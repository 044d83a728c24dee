// Identity changes on a running relay (sync.md "Identity and Account Changes"): an account that
// moves to another PDS is followed there although the relay had its old host cached (re-resolved
// once before a wrong-host drop), and its old host is then refused; an `#identity` event makes
// the relay resolve the DID again at once, so a rotated key is known before the next commit.
// Real PLC directory, two fake PDS hosts with real signed repos.
import { Secp256k1Keypair } from '@welkin/crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { useTestPlc } from '../../../../test/support/plc.js'
import type { Relay } from '../relay.js'
import { FakePds, updateDid } from '../testing/fake-pds.js'
import { requestCrawl, startTestRelay, tempDir } from '../testing/harness.js'
import { readStream, waitUntil } from '../testing/stream-reader.js'

const plc = useTestPlc()

let x: FakePds
let y: FakePds
let relay: Relay
let data: ReturnType<typeof tempDir>

beforeAll(async () => {
  x = await FakePds.start(plc.url)
  y = await FakePds.start(plc.url)
  data = tempDir()
  relay = await startTestRelay(plc.url, data.path)
  expect((await requestCrawl(relay, x.url)).status).toBe(200)
  expect((await requestCrawl(relay, y.url)).status).toBe(200)
})

afterAll(async () => {
  await relay?.close()
  await x?.close()
  await y?.close()
  data?.remove()
})

const resolutions = () => relay.counters.resolutions.get({ outcome: 'ok' })
const drops = (host: FakePds, reason: string) => relay.counters.drops.get({ host: host.hostname, reason })

describe('identity changes', () => {
  it('follows an account to its new PDS although its old host was cached, then refuses the old host', async () => {
    const a = await x.createAccount()
    await x.commit(a)
    await waitUntil(() => relay.ctx.state.get(a.did)?.rev === a.repo.head!.commit.rev, 15_000, 'first commit')
    expect(relay.ctx.state.get(a.did)!.pds).toBe(x.hostname)

    // The directory now names Y; nothing tells the relay, whose cache (fresh for an hour) says X.
    await updateDid(plc.url, a, { pds: y.url })
    const before = resolutions()
    await y.commit(a)
    await waitUntil(() => relay.ctx.state.get(a.did)?.rev === a.repo.head!.commit.rev, 15_000, 'commit on Y')
    const moved = relay.ctx.state.get(a.did)!
    expect(moved.pds).toBe(y.hostname)
    expect(moved.hostId).toBe(relay.ctx.hosts.get(y.hostname)!.id)
    expect(resolutions()).toBe(before + 1)
    expect(drops(y, 'wrong-host')).toBe(0)
    await waitUntil(() => relay.ctx.hosts.get(y.hostname)!.accountCount === 1, 5000, "Y's account count")
    expect(relay.ctx.hosts.get(x.hostname)!.accountCount).toBe(0)

    // X keeps sending the account's commits: refused (after one more look at the directory).
    const accepted = relay.ctx.state.get(a.did)!.rev
    await x.commit(a)
    await waitUntil(() => drops(x, 'wrong-host') === 1, 15_000, 'wrong-host drop from X')
    expect(relay.ctx.state.get(a.did)!.rev).toBe(accepted)
    expect(relay.ctx.state.get(a.did)!.pds).toBe(y.hostname)
    const metrics = await (await fetch(`${relay.url}/metrics`)).text()
    expect(metrics).toContain(`relay_events_dropped_total{host="${x.hostname}",reason="wrong-host"} 1`)
  })

  it('re-resolves on #identity, so a commit signed with a rotated key is accepted first try', async () => {
    const a = await x.createAccount()
    await x.commit(a)
    await waitUntil(() => relay.ctx.state.get(a.did)?.rev === a.repo.head!.commit.rev, 15_000, 'first commit')
    const oldKey = a.keypair.did()
    expect(relay.ctx.state.get(a.did)!.signingKey).toBe(oldKey)

    const newKey = Secp256k1Keypair.createSync()
    await updateDid(plc.url, a, { signingKey: newKey })
    const reader = readStream(relay.url, relay.ctx.sequencer.head)
    const before = resolutions()
    x.identity(a)
    // No commit in between: only the #identity can have taught the relay the new key.
    await reader.until(
      (m) => m.some((e) => e.t === '#identity' && e.body.did === a.did),
      15_000,
      '#identity republished',
    )
    expect(relay.ctx.state.get(a.did)!.signingKey).toBe(newKey.did())
    expect(resolutions()).toBe(before + 1)

    const signatureDrops = drops(x, 'bad-signature')
    await x.commit(a)
    await reader.until(
      (m) => m.some((e) => e.t === '#commit' && e.body.repo === a.did),
      15_000,
      'the commit signed with the new key',
    )
    // First try: no bad-signature refresh was needed (it would have resolved again).
    expect(resolutions()).toBe(before + 1)
    expect(drops(x, 'bad-signature')).toBe(signatureDrops)
    expect(relay.ctx.state.get(a.did)!.rev).toBe(a.repo.head!.commit.rev)
    await reader.stop()
  })
})

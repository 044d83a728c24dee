// A hostile host: between good commits it sends forged signatures, a rev rollback, a future
// rev, a commit for an account it does not host, commits whose MST inversion fails (tampered
// prevData, a missing block), an oversized frame and garbage CBOR. Each is dropped and counted
// with its reason, nothing crashes, and the good commits from the same host still get through.
import { Secp256k1Keypair } from '@welkin/crypto'
import { BlockMap, cidForCbor, encodeCar, encodeCbor, readCarSync } from '@welkin/data'
import { type CommitMessage, commitMessage, encodeRepoMessage } from '@welkin/firehose'
import type { Repo } from '@welkin/repo'
import { tidFromTime, tidTimestamp } from '@welkin/syntax'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { useTestPlc } from '../../../test/support/plc.js'
import type { Relay } from './relay.js'
import { FakePds } from './testing/fake-pds.js'
import { requestCrawl, startTestRelay, tempDir, xrpcGet } from './testing/harness.js'
import { nextTestTid } from './testing/repo-writer.js'
import { readStream, waitUntil } from './testing/stream-reader.js'

const plc = useTestPlc()

let hostile: FakePds
let good: FakePds
let relay: Relay
let data: ReturnType<typeof tempDir>

beforeAll(async () => {
  hostile = await FakePds.start(plc.url)
  good = await FakePds.start(plc.url)
  data = tempDir()
  relay = await startTestRelay(plc.url, data.path, { maxFrameBytes: 64 * 1024 })
})

afterAll(async () => {
  await relay?.close()
  await hostile?.close()
  await good?.close()
  data?.remove()
})

const drops = (reason: string) => relay.counters.drops.get({ host: hostile.hostname, reason })

/** A commit message formatted on `repo` (not applied: the hostile host keeps its real head). */
async function formatted(repo: Repo, key: Secp256k1Keypair, rev = nextTestTid()): Promise<CommitMessage> {
  const write = {
    action: 'create' as const,
    collection: 'app.bsky.feed.post',
    rkey: nextTestTid(),
    record: { $type: 'app.bsky.feed.post', text: 'hostile', createdAt: new Date().toISOString() },
  }
  return commitMessage(await repo.formatCommit([write], key, { rev }), 0)
}

function withoutBlock(msg: CommitMessage, which: 'record' | 'node'): CommitMessage {
  const { roots, blocks } = readCarSync(msg.blocks)
  const kept = new BlockMap()
  const record = msg.ops[0].cid!
  let removed = false
  for (const { cid, bytes } of blocks) {
    const isRecord = cid.equals(record)
    const isNode = !isRecord && !cid.equals(msg.commit)
    if (!removed && ((which === 'record' && isRecord) || (which === 'node' && isNode))) {
      removed = true
      continue
    }
    kept.set(cid, bytes)
  }
  return { ...msg, blocks: encodeCar(roots, kept) }
}

describe('hostile host', () => {
  it('drops every bad event with its reason and keeps serving the good ones', async () => {
    const h = await hostile.createAccount()
    const victim = await good.createAccount()
    await good.commit(victim)
    const reader = readStream(relay.url, 0)
    await hostile.commit(h)
    await hostile.commit(h)
    const fork = h.repo.head!
    await hostile.commit(h)
    await hostile.commit(h)
    expect((await requestCrawl(relay, hostile.hostname)).status).toBe(200)
    await waitUntil(() => relay.ctx.state.get(h.did)?.rev === h.repo.head!.commit.rev, 15_000, 'good commits')
    const accepted = relay.ctx.state.get(h.did)!.rev

    // Forged: signed by a key that is not the account's.
    hostile.emitCommitMessage(await formatted(h.repo.head!, Secp256k1Keypair.createSync()))
    // Rollback: a properly signed commit from an older state, with an older rev.
    hostile.emitCommitMessage(
      await formatted(fork, h.keypair, tidFromTime(tidTimestamp(fork.commit.rev) + 1, 0)),
    )
    // From the future: an hour ahead.
    hostile.emitCommitMessage(
      await formatted(h.repo.head!, h.keypair, tidFromTime((Date.now() + 3_600_000) * 1000, 0)),
    )
    // Not its account: the victim's DID document names the other PDS (signed properly).
    hostile.emitCommitMessage(await formatted(victim.repo.head!, victim.keypair))
    // Inversion fails: a prevData that is not the previous tree; a missing record; a missing node.
    const tampered = await formatted(h.repo.head!, h.keypair)
    tampered.prevData = cidForCbor(encodeCbor({ not: 'the previous tree' }))
    hostile.emitCommitMessage(tampered)
    hostile.emitCommitMessage(withoutBlock(await formatted(h.repo.head!, h.keypair), 'record'))
    hostile.emitCommitMessage(withoutBlock(await formatted(h.repo.head!, h.keypair), 'node'))
    // Framing: a frame over the relay's limit, and bytes that are not CBOR (live only, as a
    // hostile host would send them once).
    // Each drops the connection, so the relay reconnects between them.
    hostile.emitRaw(new Uint8Array([0xff, 0x00, 0x13, 0x37, 0xde, 0xad]), { live: true })
    await waitUntil(() => drops('bad-frame') === 1, 10_000, 'garbage dropped')
    await hostile.commit(h)
    await waitUntil(() => relay.ctx.state.get(h.did)?.rev === h.repo.head!.commit.rev, 20_000, 'reconnected')
    const huge = { ...(await formatted(h.repo.head!, h.keypair)), blocks: new Uint8Array(100 * 1024) }
    hostile.emitRaw(encodeRepoMessage({ t: '#commit', body: huge }), { live: true })
    await waitUntil(() => drops('frame-too-large') === 1, 10_000, 'oversized frame dropped')
    // Still a good commit after all that.
    await hostile.commit(h)

    await waitUntil(
      () => relay.ctx.state.get(h.did)?.rev === h.repo.head!.commit.rev,
      20_000,
      'the last good commit',
    )
    expect(relay.ctx.state.get(h.did)!.rev! > accepted!).toBe(true)
    expect({
      'bad-signature': drops('bad-signature'),
      'rev-not-newer': drops('rev-not-newer'),
      'future-rev': drops('future-rev'),
      'wrong-host': drops('wrong-host'),
      'inversion-mismatch': drops('inversion-mismatch'),
      'missing-block': drops('missing-block'),
    }).toEqual({
      'bad-signature': 1,
      'rev-not-newer': 1,
      'future-rev': 1,
      'wrong-host': 1,
      'inversion-mismatch': 1,
      'missing-block': 2,
    })
    // Nothing bad reached the output: only the six good commits of the hostile host's account.
    await reader.until((m) => m.filter((x) => x.t === '#commit' && x.body.repo === h.did).length === 6)
    await new Promise((r) => setTimeout(r, 200))
    expect(reader.messages.filter((x) => x.t === '#commit' && x.body.repo === h.did)).toHaveLength(6)
    expect(reader.messages.filter((x) => x.t === '#commit' && x.body.repo === victim.did)).toHaveLength(0)
    await reader.stop()

    const metrics = await (await fetch(`${relay.url}/metrics`)).text()
    expect(metrics).toContain(
      `relay_events_dropped_total{host="${hostile.hostname}",reason="bad-signature"} 1`,
    )
    expect((await xrpcGet(relay.url, '_health')).status).toBe(200)
  })

  it('survives a burst of random frames without a crash', async () => {
    const h = [...hostile.accounts.values()][0]
    for (let i = 0; i < 30; i++) {
      const len = 20 + Math.floor(Math.random() * 300)
      const bytes = new Uint8Array(len)
      for (let j = 0; j < len; j++) bytes[j] = Math.floor(Math.random() * 256)
      // Half of them start like a real frame header, so they get past the first byte.
      if (i % 2 === 0) bytes.set(encodeCbor({ op: 1, t: '#commit' }), 0)
      hostile.emitRaw(bytes, { live: true })
    }
    await hostile.commit(h)
    await waitUntil(
      () => relay.ctx.state.get(h.did)?.rev === h.repo.head!.commit.rev,
      20_000,
      'a good commit after noise',
    )
  })
})

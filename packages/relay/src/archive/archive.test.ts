// Archival mode against a fake PDS: first sight backfills with getRepo, later commits extend the
// archive, getRepo/getRecord/getBlocks are served from it (and verify), compaction drops what
// updates and deletes left behind, and a #sync forces a fresh backfill. getRepo `since` answers
// the diff after a rev; a damaged shard answers the lexicon's errors (never a 500), is counted,
// and the account is backfilled on its next commit.
import { closeSync, openSync, readSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { readCar } from '@welkin/data'
import { verifyRecordProof, verifyRepoCar } from '@welkin/repo'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { useTestPlc } from '../../../../test/support/plc.js'
import type { Relay } from '../relay.js'
import { FakePds } from '../testing/fake-pds.js'
import { requestCrawl, startTestRelay, tempDir, xrpcGet } from '../testing/harness.js'
import { waitUntil } from '../testing/stream-reader.js'

const plc = useTestPlc()

let pds: FakePds
let relay: Relay
let data: ReturnType<typeof tempDir>

beforeAll(async () => {
  pds = await FakePds.start(plc.url)
  data = tempDir()
  relay = await startTestRelay(plc.url, data.path, { archive: true })
})

afterAll(async () => {
  await relay?.close()
  await pds?.close()
  data?.remove()
})

async function getCar(path: string): Promise<{ status: number; bytes: Uint8Array }> {
  const res = await fetch(`${relay.url}${path}`)
  return { status: res.status, bytes: new Uint8Array(await res.arrayBuffer()) }
}

describe('archival mode', () => {
  it('backfills a new account, then follows its commits, and serves its repo', async () => {
    const a = await pds.createAccount()
    await a.repo.commit() // before the relay hears of it: only a backfill can know this record
    await a.repo.commit()
    await pds.commit(a)
    await requestCrawl(relay, pds.url)
    await waitUntil(() => relay.ctx.archive?.repo(a.did)?.rev === a.repo.head!.commit.rev, 15_000, 'backfill')
    expect(pds.getRepoCalls).toBe(1)
    for (let i = 0; i < 3; i++) await pds.commit(a)
    await waitUntil(
      () => relay.ctx.archive?.repo(a.did)?.rev === a.repo.head!.commit.rev,
      15_000,
      'commits applied',
    )
    expect(pds.getRepoCalls).toBe(1)

    const repo = await getCar(`/xrpc/com.atproto.sync.getRepo?did=${a.did}`)
    expect(repo.status).toBe(200)
    const info = await verifyRepoCar(repo.bytes, { did: a.did, key: a.keypair.did() })
    expect(info.commit.equals(a.repo.head!.cid)).toBe(true)
    expect(info.recordCount).toBe(6)

    const [collection, rkey] = a.repo.rkeys[0].split('/')
    const proof = await getCar(
      `/xrpc/com.atproto.sync.getRecord?did=${a.did}&collection=${collection}&rkey=${rkey}`,
    )
    const proven = verifyRecordProof(proof.bytes, { did: a.did, key: a.keypair.did(), collection, rkey })
    expect(proven.cid).not.toBeNull()

    const want = a.repo.head!.commit.data.toString()
    const blocks = await getCar(`/xrpc/com.atproto.sync.getBlocks?did=${a.did}&cids=${want}`)
    const { blocks: got } = await readCar(blocks.bytes)
    expect([...got.cids()].map((c) => c.toString())).toEqual([want])
    const missing = await fetch(
      `${relay.url}/xrpc/com.atproto.sync.getBlocks?did=${a.did}&cids=bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm`,
    )
    expect(((await missing.json()) as { error: string }).error).toBe('BlockNotFound')
  })

  it('compacts away blocks that updates and deletes orphaned', async () => {
    const a = [...pds.accounts.values()][0]
    for (let i = 0; i < 4; i++) {
      const [collection, rkey] = a.repo.rkeys[0].split('/')
      await pds.commit(a, [{ action: 'delete', collection, rkey }])
    }
    await waitUntil(
      () => relay.ctx.archive?.repo(a.did)?.rev === a.repo.head!.commit.rev,
      15_000,
      'deletes applied',
    )
    const before = relay.ctx.archive!.repo(a.did)!.blocks
    const removed = await relay.ctx.archive!.compact(a.did)
    expect(removed).toBeGreaterThan(4)
    expect(relay.ctx.archive!.repo(a.did)!.blocks).toBe(before - removed)
    const repo = await getCar(`/xrpc/com.atproto.sync.getRepo?did=${a.did}`)
    const info = await verifyRepoCar(repo.bytes, { did: a.did, key: a.keypair.did() })
    expect(info.recordCount).toBe(2)
    const { blocks } = await readCar(repo.bytes)
    expect(blocks.size).toBe(relay.ctx.archive!.repo(a.did)!.blocks)
  })

  it('backfills again after a #sync', async () => {
    const a = [...pds.accounts.values()][0]
    await a.repo.commit()
    pds.sync(a)
    await waitUntil(() => relay.ctx.archive?.repo(a.did)?.rev === a.repo.head!.commit.rev, 15_000, 'resync')
    expect(pds.getRepoCalls).toBe(2)
  })

  it('answers getRepo since a rev with the blocks of the later commits only', async () => {
    const a = [...pds.accounts.values()][0]
    const since = a.repo.head!.commit.rev
    const want = new Set<string>()
    for (let i = 0; i < 2; i++) {
      const data = await pds.commit(a)
      for (const cid of data.relevantBlocks.cids()) want.add(cid.toString())
    }
    const head = a.repo.head!.cid.toString()
    want.add(head)
    await waitUntil(() => relay.ctx.archive?.repo(a.did)?.rev === a.repo.head!.commit.rev, 15_000, 'commits')
    const diff = await getCar(`/xrpc/com.atproto.sync.getRepo?did=${a.did}&since=${since}`)
    expect(diff.status).toBe(200)
    const { roots, blocks } = await readCar(diff.bytes)
    expect(roots[0].toString()).toBe(head)
    expect([...blocks.cids()].map((c) => c.toString()).sort()).toEqual([...want].sort())
    const bad = await xrpcGet(relay.url, 'com.atproto.sync.getRepo', { did: a.did, since: 'yesterday' })
    expect(bad.status).toBe(400)
  })

  it('answers a damaged archive with RepoNotFound / BlockNotFound, counts it, and backfills on the next commit', async () => {
    const a = [...pds.accounts.values()][0]
    const archive = relay.ctx.archive!
    const head = archive.repo(a.did)!.head
    const at = archive.index.block(a.did, head)!
    // Flip one byte of the head commit's block in its shard file.
    const fd = openSync(join(archive.files.dir, at.file), 'r+')
    const byte = Buffer.alloc(1)
    readSync(fd, byte, 0, 1, at.off + 10)
    byte[0] ^= 0xff
    writeSync(fd, byte, 0, 1, at.off + 10)
    closeSync(fd)

    const repo = await xrpcGet(relay.url, 'com.atproto.sync.getRepo', { did: a.did })
    expect(repo.status).toBe(400)
    expect(repo.body.error).toBe('RepoNotFound')
    expect(String(repo.body.message)).toMatch(/damaged \(hash-mismatch\)/)
    const diff = await xrpcGet(relay.url, 'com.atproto.sync.getRepo', { did: a.did, since: '2222222222222' })
    expect(diff.status).toBe(400)
    expect(diff.body.error).toBe('RepoNotFound')
    const [collection, rkey] = a.repo.rkeys[0].split('/')
    const record = await xrpcGet(relay.url, 'com.atproto.sync.getRecord', { did: a.did, collection, rkey })
    expect(record.body.error).toBe('RepoNotFound')
    const block = await xrpcGet(relay.url, 'com.atproto.sync.getBlocks', {
      did: a.did,
      cids: head.toString(),
    })
    expect(block.status).toBe(400)
    expect(block.body.error).toBe('BlockNotFound')
    const metrics = await (await fetch(`${relay.url}/metrics`)).text()
    expect(metrics).toMatch(/relay_archive_read_errors_total\{reason="hash-mismatch"\} [1-9]/)
    expect(archive.repo(a.did)!.damaged).toBe(true)

    const calls = pds.getRepoCalls
    await pds.commit(a)
    await waitUntil(
      () => archive.repo(a.did)?.rev === a.repo.head!.commit.rev && !archive.repo(a.did)!.damaged,
      15_000,
      'repaired by a backfill',
    )
    expect(pds.getRepoCalls).toBe(calls + 1)
    const again = await getCar(`/xrpc/com.atproto.sync.getRepo?did=${a.did}`)
    expect(again.status).toBe(200)
    await verifyRepoCar(again.bytes, { did: a.did, key: a.keypair.did() })
  })
})

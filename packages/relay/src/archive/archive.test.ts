// Archival mode against a fake PDS: first sight backfills with getRepo, later commits extend the
// archive, getRepo/getRecord/getBlocks are served from it (and verify), compaction drops what
// updates and deletes left behind, and a #sync forces a fresh backfill.
import { readCar } from '@welkin/data'
import { openPlcStore, PlcDirectory, type PlcServer, startPlcServer } from '@welkin/plc'
import { verifyRecordProof, verifyRepoCar } from '@welkin/repo'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Relay } from '../relay.js'
import { FakePds } from '../testing/fake-pds.js'
import { requestCrawl, startTestRelay, tempDir } from '../testing/harness.js'
import { waitUntil } from '../testing/stream-reader.js'

let plcDir: ReturnType<typeof tempDir>
let plc: PlcServer
let closeStore: () => Promise<void>
let pds: FakePds
let relay: Relay
let data: ReturnType<typeof tempDir>

beforeAll(async () => {
  plcDir = tempDir('welkin-relay-plc-')
  const store = await openPlcStore({ dataDir: plcDir.path })
  closeStore = () => store.close()
  plc = await startPlcServer(new PlcDirectory(store), { port: 0 })
  pds = await FakePds.start(plc.url)
  data = tempDir()
  relay = await startTestRelay(plc.url, data.path, { archive: true })
})

afterAll(async () => {
  await relay?.close()
  await pds?.close()
  await plc?.close(100)
  await closeStore?.()
  plcDir?.remove()
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
})

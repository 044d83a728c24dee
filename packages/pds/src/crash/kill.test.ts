// kill -9 at the HTTP level (the "Atomic writes"): a real `createPds` in a child process
// with a real data directory takes concurrent createRecord / putRecord / deleteRecord /
// applyWrites from several accounts over keep-alive connections, and is SIGKILLed at random
// moments and restarted, round after round. Then, on a fresh start: every acknowledged write
// is there with its acknowledged CID (and nothing no write could have made), every repo's
// getRepo CAR verifies against the key in the DID document, and the firehose from cursor 0 has
// contiguous seqs with each repo's commits chaining (since = previous rev, prevData = previous
// data) and verifying by inversion.
import { openPlcStore, PlcDirectory, type PlcServer, startPlcServer } from '@welkin/plc'
import { readRepoRecords, verifyRepoCar } from '@welkin/repo'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openTestStore, tempDir } from '../testing.js'
import { verifyPdsStore } from '../verify-store.js'
import { KeepAliveClient } from './http-client.js'
import { Ledger } from './ledger.js'
import { type LoadAccount, type LoadWorker, startLoad } from './load.js'
import { type PdsChild, startPdsChild } from './pds-child.js'
import { checkCommitStream, readFirehose } from './stream.js'

const ROUNDS = 5
const ACCOUNTS = 4
const WORKERS_PER_ACCOUNT = 2
const POST = 'app.bsky.feed.post'

const dataDir = tempDir('welkin-pds-kill-')
const plcDir = tempDir('welkin-pds-kill-plc-')
let plc: PlcServer
let pds: PdsChild | undefined

beforeAll(async () => {
  plc = await startPlcServer(new PlcDirectory(await openPlcStore({ dataDir: plcDir.path })), { port: 0 })
})

afterAll(async () => {
  await pds?.kill()
  await plc?.close()
  dataDir.remove()
  plcDir.remove()
})

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function signUp(client: KeepAliveClient, name: string): Promise<LoadAccount> {
  const res = await client.post('com.atproto.server.createAccount', {
    handle: `${name}.test`,
    email: `${name}@example.com`,
    password: `${name} password 1`,
  })
  expect(res.status, res.bytes.toString()).toBe(200)
  return { did: res.json.did, accessJwt: res.json.accessJwt }
}

async function signingKey(did: string): Promise<string> {
  const doc = (await (await fetch(`${plc.url}/${did}`)).json()) as {
    verificationMethod: { id: string; publicKeyMultibase: string }[]
  }
  const vm = doc.verificationMethod.find((v) => v.id.endsWith('#atproto'))!
  return `did:key:${vm.publicKeyMultibase}`
}

async function listAll(client: KeepAliveClient, did: string): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  let cursor: string | undefined
  do {
    const res = await client.get('com.atproto.repo.listRecords', {
      repo: did,
      collection: POST,
      limit: '100',
      ...(cursor ? { cursor } : {}),
    })
    expect(res.status).toBe(200)
    for (const r of res.json.records as { uri: string; cid: string }[]) out.set(r.uri, r.cid)
    cursor = res.json.records.length === 100 ? res.json.cursor : undefined
  } while (cursor)
  return out
}

describe('kill -9 of the PDS process under HTTP write load', () => {
  it('loses no acknowledged write, leaves every repo verifiable and the stream gapless', {
    timeout: 120_000,
  }, async () => {
    const ledger = new Ledger()
    pds = await startPdsChild(dataDir.path, plc.url)
    let client = new KeepAliveClient(pds.url)
    const accounts = await Promise.all(
      Array.from({ length: ACCOUNTS }, (_, i) => signUp(client, `crash${i}`)),
    )
    const workers: LoadWorker[] = accounts.flatMap((account) =>
      Array.from({ length: WORKERS_PER_ACCOUNT }, (_, slot) => ({
        account,
        slot,
        slots: WORKERS_PER_ACCOUNT,
        written: 0,
      })),
    )
    const perRound: number[] = []
    for (let round = 0; round < ROUNDS; round++) {
      if (round > 0) {
        pds = await startPdsChild(dataDir.path, plc.url)
        client = new KeepAliveClient(pds.url)
      }
      const before = ledger.ackCount
      const load = startLoad(client, workers, ledger, 7919 * (round + 1))
      await sleep(300 + Math.floor(Math.random() * 1200))
      await pds.kill()
      load.stop()
      await load.done
      client.close()
      expect(load.unexpected, pds.stderr()).toEqual([])
      perRound.push(ledger.ackCount - before)
    }
    // Writes were acknowledged (in most rounds: a slow start may leave one round without any)
    // and some were cut off mid-flight.
    expect(
      perRound.filter((n) => n > 0).length,
      `acknowledged per round: ${perRound}`,
    ).toBeGreaterThanOrEqual(ROUNDS - 1)
    expect(ledger.ackCount).toBeGreaterThan(50)
    expect(ledger.unansweredCount).toBeGreaterThan(0)

    pds = await startPdsChild(dataDir.path, plc.url)
    client = new KeepAliveClient(pds.url)
    const keys = new Map<string, string>()
    for (const { did } of accounts) {
      keys.set(did, await signingKey(did))
      const listed = await listAll(client, did)
      expect(ledger.check(did, listed)).toEqual([])
      // Every record listed is readable with its CID.
      for (const [uri, cid] of listed) {
        const res = await client.get('com.atproto.repo.getRecord', {
          repo: did,
          collection: POST,
          rkey: uri.split('/').pop()!,
        })
        expect(res.status).toBe(200)
        expect(res.json.cid, uri).toBe(cid)
      }
      const car = await client.get('com.atproto.sync.getRepo', { did })
      expect(car.status).toBe(200)
      const info = await verifyRepoCar(new Uint8Array(car.bytes), { did, key: keys.get(did)! })
      const inCar = new Map<string, string>()
      for await (const r of readRepoRecords(new Uint8Array(car.bytes))) {
        if (r.collection === POST) inCar.set(`at://${did}/${r.collection}/${r.rkey}`, r.cid.toString())
      }
      expect(inCar).toEqual(listed)
      const head = await client.get('com.atproto.sync.getLatestCommit', { did })
      expect(info.commit.toString()).toBe(head.json.cid)
    }

    // One more commit per repo marks the end of what the stream must replay.
    const sentinels = new Set<string>()
    for (const a of accounts) {
      const res = await client.post(
        'com.atproto.repo.createRecord',
        {
          repo: a.did,
          collection: POST,
          record: { $type: POST, text: 'end', createdAt: new Date().toISOString() },
        },
        a.accessJwt,
      )
      expect(res.status).toBe(200)
      sentinels.add(res.json.commit.cid)
    }
    const messages = await readFirehose(pds.url, 0, (ms) => {
      const last = ms.at(-1)
      if (last?.t === '#commit' && sentinels.has(last.body.commit.toString()))
        sentinels.delete(last.body.commit.toString())
      return sentinels.size === 0
    })
    expect(checkCommitStream(messages, keys)).toEqual([])
    const logged = new Set(
      messages.flatMap((m) => (m.t === '#commit' ? [`${m.body.repo} ${m.body.commit} ${m.body.rev}`] : [])),
    )
    const missing = ledger.commits.filter((c) => !logged.has(`${c.did} ${c.cid} ${c.rev}`))
    expect(missing).toEqual([])
    client.close()
    await pds.kill()
    pds = undefined

    // And the store's own full check of the data directory the killed processes left.
    const { store, cleanup } = await openTestStore({}, dataDir.path)
    try {
      const report = await verifyPdsStore(store.db)
      expect(report.problems).toEqual([])
      expect(report.repos).toBe(ACCOUNTS)
    } finally {
      await cleanup()
    }
  })
})

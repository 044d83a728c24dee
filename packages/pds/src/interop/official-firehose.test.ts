// The official consumer, @atproto/sync 0.1.40 (the Node-20 line), reads a Welkin PDS's
// com.atproto.sync.subscribeRepos with authenticated commits: its identity resolver reads
// signing keys from the Welkin PLC, and it checks each op against the commit's signed MST proof,
// silently dropping ops that fail. So "every op seen exactly once" proves the commit slices.
// It also parses each `#sync` (a CAR rooted at the commit) into a `sync` event: one per sign-up
// and one per reactivation.
import { request } from 'node:http'
import { HandleResolver, IdResolver } from '@atproto/identity'
import { type Event, Firehose, MemoryRunner } from '@atproto/sync'
import { openPlcStore, PlcDirectory, type PlcServer, startPlcServer } from '@welkin/plc'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../testing.js'
import { type OfficialAccount, sleep, startWorld, type World, waitUntil } from './world.js'

const POST = 'app.bsky.feed.post'

const plcDir = tempDir('welkin-interop-plc-')
let plc: PlcServer
let world: World

/**
 * Handle resolution by the official resolver's HTTPS well-known method, sent to the PDS on
 * loopback with the handle as Host (test handles under `.test` have no DNS).
 */
class LoopbackHandleResolver extends HandleResolver {
  override async resolveDns(): Promise<string | undefined> {
    return undefined
  }
  override async resolveDnsBackup(): Promise<string | undefined> {
    return undefined
  }
  override resolveHttp(handle: string): Promise<string | undefined> {
    return new Promise((resolve) => {
      const req = request(
        new URL('/.well-known/atproto-did', world.url),
        { headers: { host: handle } },
        (res) => {
          let text = ''
          res.setEncoding('utf8')
          res.on('data', (c) => {
            text += c
          })
          res.on('end', () =>
            resolve(res.statusCode === 200 && text.startsWith('did:') ? text.trim() : undefined),
          )
        },
      )
      req.on('error', () => resolve(undefined))
      req.end()
    })
  }
}

beforeAll(async () => {
  plc = await startPlcServer(new PlcDirectory(await openPlcStore({ dataDir: plcDir.path })), { port: 0 })
  world = await startWorld(plc.url)
})

afterAll(async () => {
  await world?.close()
  await plc?.close()
  plcDir.remove()
})

/** destroy() waits for the subscription loop, which can sit in its 3 s reconnect delay. */
async function stop(firehose: Firehose): Promise<void> {
  await Promise.race([firehose.destroy(), sleep(3000)])
}

type Expected = Set<string>
const opKey = (action: string, uri: string, cid?: string | null) => `${action} ${uri}${cid ? ` ${cid}` : ''}`

/** A burst for one account: concurrent creates, then concurrent updates, deletes and mixed batches. */
async function burst(account: OfficialAccount, expected: Expected): Promise<void> {
  const repo = account.did
  const api = account.agent.com.atproto.repo
  const record = (text: string) => ({ $type: POST, text, createdAt: new Date().toISOString() })
  const created: { uri: string; cid: string }[] = []
  await Promise.all([
    ...Array.from({ length: 12 }, async (_, i) => {
      const { data } = await api.createRecord({ repo, collection: POST, record: record(`one ${i}`) })
      created.push(data)
      expected.add(opKey('create', data.uri, data.cid))
    }),
    ...Array.from({ length: 3 }, async (_, b) => {
      const writes = Array.from({ length: 4 }, (_, i) => ({
        $type: 'com.atproto.repo.applyWrites#create' as const,
        collection: POST,
        value: record(`batch ${b}.${i}`),
      }))
      const { data } = await api.applyWrites({ repo, writes })
      for (const r of data.results as { uri: string; cid: string }[]) {
        created.push(r)
        expected.add(opKey('create', r.uri, r.cid))
      }
    }),
  ])
  const rkey = (uri: string) => uri.split('/').pop()!
  const [toUpdate, toDelete, mixed] = [created.slice(0, 5), created.slice(5, 10), created.slice(10, 14)]
  await Promise.all([
    ...toUpdate.map(async (r) => {
      const { data } = await api.putRecord({
        repo,
        collection: POST,
        rkey: rkey(r.uri),
        record: record('updated'),
      })
      expected.add(opKey('update', data.uri, data.cid))
    }),
    ...toDelete.map(async (r) => {
      await api.deleteRecord({ repo, collection: POST, rkey: rkey(r.uri) })
      expected.add(opKey('delete', r.uri))
    }),
    (async () => {
      const { data } = await api.applyWrites({
        repo,
        writes: [
          {
            $type: 'com.atproto.repo.applyWrites#update',
            collection: POST,
            rkey: rkey(mixed[0].uri),
            value: record('m'),
          },
          { $type: 'com.atproto.repo.applyWrites#delete', collection: POST, rkey: rkey(mixed[1].uri) },
          { $type: 'com.atproto.repo.applyWrites#delete', collection: POST, rkey: rkey(mixed[2].uri) },
          { $type: 'com.atproto.repo.applyWrites#create', collection: POST, value: record('m new') },
        ],
      })
      const [upd, , , cre] = data.results as { uri: string; cid: string }[]
      expected.add(opKey('update', upd.uri, upd.cid))
      expected.add(opKey('delete', mixed[1].uri))
      expected.add(opKey('delete', mixed[2].uri))
      expected.add(opKey('create', cre.uri, cre.cid))
    })(),
  ])
}

describe('@atproto/sync Firehose reading Welkin subscribeRepos', () => {
  it('sees every op of a burst across 3 accounts exactly once, verified, plus identity, account and sync events', async () => {
    const events: Event[] = []
    const errors: Error[] = []
    const idResolver = new IdResolver({ plcUrl: plc.url, timeout: 2000 })
    idResolver.handle = new LoopbackHandleResolver({ timeout: 2000 })
    const firehose = new Firehose({
      idResolver,
      service: world.url.replace(/^http/, 'ws'),
      // 0.1.40 passes `getCursor` itself, not its result, as the cursor; a runner's works.
      runner: new MemoryRunner({ startCursor: 0 }),
      handleEvent: (evt) => {
        events.push(evt)
      },
      onError: (err) => errors.push(err),
    })
    void firehose.start()
    try {
      const accounts = [await world.signUp('alice'), await world.signUp('bob'), await world.signUp('carol')]
      const [alice, bob] = accounts
      const expected: Expected = new Set()
      await Promise.all(accounts.map((a) => burst(a, expected)))
      expect(expected.size).toBe(3 * (24 + 5 + 5 + 4))

      await alice.agent.com.atproto.identity.updateHandle({ handle: 'alice-two.test' })
      await bob.agent.com.atproto.server.deactivateAccount({})
      await bob.agent.com.atproto.server.activateAccount()

      const isOp = (e: Event) => e.event === 'create' || e.event === 'update' || e.event === 'delete'
      const accountEvents = () => events.filter((e) => e.event === 'account' && e.did === bob.did)
      const syncEvents = (did: string) => events.filter((e) => e.event === 'sync' && e.did === did)
      await waitUntil(
        () =>
          errors.length > 0 ||
          (events.filter(isOp).length >= expected.size &&
            accountEvents().length >= 3 &&
            syncEvents(bob.did).length >= 2 &&
            events.some((e) => e.event === 'identity' && e.handle === 'alice-two.test')),
        20_000,
        'the official consumer to see every op',
      )
      await sleep(300) // anything late would be a duplicate
      expect(errors.map((e) => `${e.message}: ${(e.cause as Error)?.message}`)).toEqual([])

      const seen = events.filter(isOp).map((e) => {
        if (e.event === 'delete') return opKey('delete', e.uri.toString())
        if (e.event === 'create' || e.event === 'update') {
          expect(e.record).toMatchObject({ $type: POST })
          return opKey(e.event, e.uri.toString(), e.cid.toString())
        }
        throw new Error('unreachable')
      })
      expect(seen.length).toBe(new Set(seen).size)
      expect(new Set(seen)).toEqual(expected)

      // Per account, events arrive in seq order; commits carry increasing revs.
      for (const a of accounts) {
        const mine = events.filter((e) => e.did === a.did)
        const seqs = mine.map((e) => e.seq)
        expect(seqs).toEqual([...seqs].sort((x, y) => x - y))
        const revs = mine.filter(isOp).map((e) => (e as { rev: string }).rev)
        expect(revs).toEqual([...revs].sort())
        // Sign-up announced the account: #identity (the consumer verified the handle through the
        // DID document and the well-known route) and #account active.
        const identity = mine.find((e) => e.event === 'identity')
        if (a !== alice) expect(identity?.event === 'identity' && identity.handle).toBe(a.handle)
        expect(mine.find((e) => e.event === 'account')).toMatchObject({ active: true })
      }
      const handles = events
        .filter((e) => e.event === 'identity' && e.did === alice.did)
        .map((e) => e.event === 'identity' && e.handle)
      // The consumer reads the handle from the current DID document when it handles the event.
      expect(handles).toHaveLength(2)
      expect(handles[1]).toBe('alice-two.test')
      expect(accountEvents().map((e) => e.event === 'account' && [e.active, e.status ?? null])).toEqual([
        [true, null],
        [false, 'deactivated'],
        [true, null],
      ])

      // A #sync at sign-up for each account, and one more for bob after reactivation, naming the
      // commit his repo stands at (the fresh empty one), after his #account active.
      for (const a of accounts) expect(syncEvents(a.did)).toHaveLength(a === bob ? 2 : 1)
      const bobSync = syncEvents(bob.did)[1]
      if (bobSync.event !== 'sync') throw new Error('unreachable')
      const latest = await bob.agent.com.atproto.sync.getLatestCommit({ did: bob.did })
      expect(bobSync.cid.toString()).toBe(latest.data.cid)
      expect(bobSync.rev).toBe(latest.data.rev)
      expect(bobSync.blocks.has(bobSync.cid)).toBe(true)
      expect(bobSync.seq).toBeGreaterThan(accountEvents()[2].seq)
    } finally {
      await stop(firehose)
    }
  })
})

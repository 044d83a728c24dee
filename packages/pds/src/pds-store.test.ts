// The store's background upkeep, run only from timers in production: an upload nobody references
// is collected (row and file) once its TTL is over, events older than the retention window are
// pruned, close() stops the timers, and createPds starts them unless told not to.
import { existsSync } from 'node:fs'
import { AtpAgent } from '@atproto/api'
import { openPlcStore, PlcDirectory, type PlcServer, startPlcServer } from '@welkin/plc'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { resolvePdsConfig } from './config.js'
import { PdsStore } from './pds-store.js'
import { createPds, startPds } from './server.js'
import { createTestAccount, tempDir, testPost } from './testing.js'

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

/** Polls until `check` holds; generous deadline for a loaded machine. */
async function until(check: () => boolean, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await sleep(20)
  }
}

/** The blob row's temp key, or undefined once the row is gone. */
function tempKeyOf(store: PdsStore, did: string, cid: string): string | null | undefined {
  const row = store.db.prepare('SELECT temp_key FROM blob WHERE did = ? AND cid = ?').get(did, cid) as
    | { temp_key: string | null }
    | undefined
  return row?.temp_key
}

const FAST = { intervalMs: 50, blobGcIntervalMs: 50 }
const TEMP_TTL_MS = 300
const RETENTION_MS = 400

describe('PdsStore maintenance', () => {
  it('collects an unreferenced upload and prunes expired events on its timers; close() stops them', async () => {
    const dir = tempDir()
    const config = resolvePdsConfig({
      devMode: true,
      dataDirectory: dir.path,
      repoBackfillLimitMs: RETENTION_MS,
    })
    const store = await PdsStore.open(config, { tempTtlMs: TEMP_TTL_MS })
    const errors: unknown[] = []
    try {
      expect(store.blobs.tempTtlMs).toBe(TEMP_TTL_MS)
      const { did } = await createTestAccount(store, 1)
      const ref = await store.blobs.upload(did, new TextEncoder().encode('never referenced'))
      const cid = ref.ref.toString()
      const key = tempKeyOf(store, did, cid)
      expect(typeof key).toBe('string')
      const file = store.blobs.store.tempPath(key!)
      expect(existsSync(file)).toBe(true)
      const oldHead = store.events.head()!
      expect(store.events.oldest()).toBe(1)

      // Nothing runs before startMaintenance: the timers are the only thing under test.
      expect(store.maintaining).toBe(false)
      await sleep(Math.max(TEMP_TTL_MS, RETENTION_MS) + 100)
      expect(tempKeyOf(store, did, cid)).toBe(key)
      expect(store.events.oldest()).toBe(1)

      // A newer event, so the old ones are no longer the newest (prune always keeps that one).
      const commit = await store.writer.applyWrites(did, [
        { action: 'create', collection: 'app.bsky.feed.post', rkey: '3kaaaaaaaaaa2', record: testPost(1) },
      ])
      store.startMaintenance({ ...FAST, onError: (err) => errors.push(err) })
      expect(store.maintaining).toBe(true)
      await until(
        () => tempKeyOf(store, did, cid) === undefined && !existsSync(file),
        'the unreferenced upload to be collected',
      )
      await until(() => (store.events.oldest() ?? 0) > oldHead, 'the expired events to be pruned')
      expect(store.events.head()).toBe(commit.seq)
      expect(errors).toEqual([])
    } finally {
      await store.close()
      dir.remove()
    }
    expect(store.maintaining).toBe(false)
    // A timer left running would now fail on the closed database and report it.
    await sleep(8 * FAST.intervalMs)
    expect(errors).toEqual([])
  })
})

describe('createPds maintenance', () => {
  let plc: PlcServer

  beforeAll(async () => {
    plc = await startPlcServer(new PlcDirectory(await openPlcStore({})), { port: 0 })
  })

  afterAll(async () => {
    await plc?.close()
  })

  it('starts the timers by default and not with maintenance: false', async () => {
    for (const [maintenance, expected] of [
      [undefined, true],
      [false, false],
    ] as const) {
      const dir = tempDir('welkin-pds-server-')
      const config = resolvePdsConfig({ devMode: true, port: 0, dataDirectory: dir.path, didPlcUrl: plc.url })
      const pds = await createPds(config, { log: () => {}, maintenance })
      try {
        expect(pds.ctx.store.maintaining, `maintenance: ${maintenance}`).toBe(expected)
      } finally {
        await pds.close()
        dir.remove()
      }
      expect(pds.ctx.store.maintaining).toBe(false)
    }
  })

  it('runs them with the given intervals and temporary-blob TTL', async () => {
    const logged: string[] = []
    const pds = await startPds(
      { didPlcUrl: plc.url },
      { maintenance: FAST, store: { tempTtlMs: TEMP_TTL_MS }, log: (msg) => logged.push(msg) },
    )
    try {
      const agent = new AtpAgent({ service: pds.url })
      const { did } = (await agent.createAccount({ handle: 'sweeper.test', password: 'sweeper password' }))
        .data
      const { blob } = (
        await agent.com.atproto.repo.uploadBlob(new TextEncoder().encode('orphan'), {
          encoding: 'text/plain',
        })
      ).data
      const store = pds.ctx.store
      const cid = blob.ref.toString()
      const key = tempKeyOf(store, did, cid)
      expect(typeof key).toBe('string')
      const file = store.blobs.store.tempPath(key!)
      expect(existsSync(file)).toBe(true)
      await until(
        () => tempKeyOf(store, did, cid) === undefined && !existsSync(file),
        'the orphan upload to be collected',
      )
      expect(logged.filter((m) => m.includes('maintenance'))).toEqual([])
    } finally {
      await pds.cleanup()
    }
  })
})

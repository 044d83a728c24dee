// A write load for crash tests: concurrent writes (creates, updates, deletes, batches, blob
// references) across several accounts, printing one `ACK` line per write only after it has
// committed. A parent kills the process at random moments and checks that every acknowledged
// write survived. Run as a script:
//   node --import tsx packages/pds/src/write-load.ts <dataDir> [accounts] [concurrency] [seed]
// or call runWriteLoad from another harness (e.g. one that drives the HTTP endpoints).
import { pathToFileURL } from 'node:url'
import { Secp256k1Keypair } from '@welkin/crypto'
import type { BlobRef } from '@welkin/data'
import { nextTid } from '@welkin/syntax'
import { resolvePdsConfig } from './config.js'
import { PdsStore } from './pds-store.js'
import type { RepoWrite } from './repo-writer.js'
import { testDid, testPost } from './testing.js'

export interface WriteAck {
  did: string
  seq: number
  rev: string
  commit: string
  writes: { action: string; uri: string; cid: string | null }[]
}

export interface WriteLoadOptions {
  dataDirectory: string
  accounts: number
  concurrency: number
  seed?: number
  /** Called after each committed write. */
  onAck: (ack: WriteAck) => void
  /** Called once the store is open and the accounts exist. */
  onReady?: () => void
  /** Stop after this many writes (default: run until killed). */
  maxWrites?: number
}

const POST = 'app.bsky.feed.post'

export async function runWriteLoad(opts: WriteLoadOptions): Promise<void> {
  const store = await PdsStore.open(resolvePdsConfig({ dataDirectory: opts.dataDirectory, devMode: true }))
  let seed = opts.seed ?? 1
  const rand = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff
    return seed / 0x80000000
  }
  const dids: string[] = []
  for (let i = 0; i < opts.accounts; i++) {
    const did = testDid(i)
    if (!store.accounts.getAccount(did)) {
      await store.accounts.createAccount({
        did,
        handle: `load${i}.test`,
        signingKey: Secp256k1Keypair.createSync(),
      })
    }
    dids.push(did)
  }
  // What each account has, as far as this process knows: starts from the table after a restart.
  const live = new Map<string, string[]>(
    dids.map((did) => [
      did,
      store.reader.listRecords(did, POST, { limit: 100 }).map((r) => r.uri.split('/').pop()!),
    ]),
  )
  opts.onReady?.()
  let done = 0
  const max = opts.maxWrites ?? Number.POSITIVE_INFINITY
  const worker = async () => {
    while (done < max) {
      done++
      const did = dids[Math.floor(rand() * dids.length)]
      const keys = live.get(did)!
      const writes: RepoWrite[] = []
      const r = rand()
      if (r < 0.1) {
        const ref: BlobRef = await store.blobs.upload(did, new TextEncoder().encode(`blob ${nextTid()}`), {
          mimeType: 'text/plain',
        })
        writes.push({
          action: 'create',
          collection: POST,
          rkey: nextTid(),
          record: { ...testPost(done), blob: ref },
        })
      } else if (r < 0.25 && keys.length > 0) {
        writes.push({
          action: 'update',
          collection: POST,
          rkey: keys[Math.floor(rand() * keys.length)],
          record: testPost(done, 'updated'),
        })
      } else if (r < 0.4 && keys.length > 3) {
        writes.push({ action: 'delete', collection: POST, rkey: keys[Math.floor(rand() * keys.length)] })
      } else {
        const n = r < 0.45 ? 3 : 1
        for (let i = 0; i < n; i++)
          writes.push({ action: 'create', collection: POST, rkey: nextTid(), record: testPost(done) })
      }
      let result: Awaited<ReturnType<typeof store.writer.applyWrites>>
      try {
        result = await store.writer.applyWrites(did, writes)
      } catch {
        continue // a write that raced another one on the same key (update after delete): refused, not acknowledged
      }
      for (const w of writes) {
        const list = live.get(did)!
        if (w.action === 'create') list.push(w.rkey)
        else if (w.action === 'delete' && list.includes(w.rkey)) list.splice(list.indexOf(w.rkey), 1)
      }
      opts.onAck({
        did,
        seq: result.seq,
        rev: result.rev,
        commit: result.cid.toString(),
        writes: result.results.map((w) => ({ action: w.action, uri: w.uri, cid: w.cid?.toString() ?? null })),
      })
    }
  }
  await Promise.all(Array.from({ length: opts.concurrency }, worker))
  await store.close()
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [dataDirectory, accounts = '4', concurrency = '8', seed = String(Date.now() & 0xffff)] =
    process.argv.slice(2)
  if (!dataDirectory) {
    console.error('usage: write-load.ts <dataDir> [accounts] [concurrency] [seed]')
    process.exit(2)
  }
  // Linux writes to a pipe synchronously: a line printed here is in the parent's pipe even if
  // this process is killed on the next instruction.
  runWriteLoad({
    dataDirectory,
    accounts: Number(accounts),
    concurrency: Number(concurrency),
    seed: Number(seed),
    onAck: (ack) => process.stdout.write(`ACK ${JSON.stringify(ack)}\n`),
    onReady: () => process.stdout.write('READY\n'),
  }).catch((err) => {
    console.error(err)
    process.exit(1)
  })
}

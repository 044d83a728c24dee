// Test support for the archive: an account's repo built with TestRepo, imported into an
// ArchiveStore, then extended commit by commit (creates and deletes, so compaction has
// garbage to drop). Used in-process and by the crash child (archive-crash-child.ts).
import { Secp256k1Keypair } from '@welkin/crypto'
import type { CommitMessage } from '@welkin/firehose'
import { exportRepoCar, type RecordWrite } from '@welkin/repo'
import type { ArchiveStore } from '../archive/archive-store.js'
import { concatChunks } from './bytes.js'
import { TestRepo } from './repo-writer.js'

export async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const list: Uint8Array[] = []
  for await (const c of chunks) list.push(c)
  return concatChunks(list)
}

let counter = 0

/** A DID in did:plc shape, unique within the process. */
export function testDid(): string {
  const id = `${process.pid.toString(32)}x${(counter++).toString(32)}`.padEnd(24, 'a').slice(0, 24)
  return `did:plc:${id.replace(/[^a-z2-7]/g, 'a')}`
}

export interface ArchivedAccount {
  did: string
  key: Secp256k1Keypair
  repo: TestRepo
  /** The commits applied after the import, in order. */
  commits: CommitMessage[]
}

/** An account with `initial` posts imported, then `commits` more commits applied. */
export async function archivedAccount(
  store: ArchiveStore,
  { initial = 3, commits = 4 }: { initial?: number; commits?: number } = {},
): Promise<ArchivedAccount> {
  const key = Secp256k1Keypair.createSync()
  const did = testDid()
  const repo = new TestRepo(did, key)
  for (let i = 0; i < initial; i++) await repo.commit()
  const car = await collect(exportRepoCar(repo.blockstore, repo.head!.cid))
  await store.importCar(did, car, key.did())
  const acct: ArchivedAccount = { did, key, repo, commits: [] }
  for (let i = 0; i < commits; i++) await commitTo(store, acct, i % 2 === 1)
  return acct
}

/** One more commit: a new post, and (if `withDelete`) the deletion of the oldest record. */
export async function commitTo(
  store: ArchiveStore,
  acct: ArchivedAccount,
  withDelete = false,
): Promise<CommitMessage> {
  const writes: RecordWrite[] = [acct.repo.post()]
  if (withDelete) {
    const [collection, rkey] = acct.repo.rkeys[0].split('/')
    writes.push({ action: 'delete', collection, rkey })
  }
  const msg = await acct.repo.commitMessage(writes)
  const outcome = store.applyCommit(acct.did, msg)
  if (outcome !== 'applied') throw new Error(`commit ${msg.rev} was not applied: ${outcome}`)
  acct.commits.push(msg)
  return msg
}

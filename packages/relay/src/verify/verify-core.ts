// The CPU-heavy part of ingest, with no I/O and no shared state: verify one event against its
// signing key (Sync 1.1 inversion for #commit, the signed commit for #sync) and encode the frame
// the relay will publish. Runs inside the verification workers, or inline with no workers.
import { type PublicKey, parsePublicKey } from '@welkin/crypto'
import { type CID, encodeCar, encodeCbor, readCarSync } from '@welkin/data'
import { encodeRepoMessage } from '@welkin/firehose'
import {
  type CommitEvent,
  CommitVerificationError,
  decodeCommit,
  RepoError,
  verifyCommitEvent,
  verifyCommitSignature,
} from '@welkin/repo'
import { binToCid, cidToBin } from '../util/bin.js'
import { Lru } from '../util/lru.js'
import { seqOffset } from './seq-splice.js'
import type { CommitJob, SyncJob, VerifyJob, VerifyResult } from './types.js'

// Decompressing a key costs about one signature check; a worker keeps the keys it has used.
const keys = new Lru<string, PublicKey>(100_000)
function publicKey(didKey: string): PublicKey {
  let k = keys.get(didKey)
  if (!k) {
    k = parsePublicKey(didKey)
    keys.set(didKey, k)
  }
  return k
}

function fail(id: number, reason: string, message: string): VerifyResult {
  return { id, ok: false, reason, message }
}

const HEADERS = {
  '#commit': encodeCbor({ op: 1, t: '#commit' }).length,
  '#sync': encodeCbor({ op: 1, t: '#sync' }).length,
}

function collectionsOf(ops: { action: string; path: string }[]): string[] {
  const out: string[] = []
  for (const op of ops) {
    if (op.action !== 'create') continue
    const c = op.path.slice(0, op.path.indexOf('/'))
    if (!out.includes(c)) out.push(c)
  }
  return out
}

function verifyCommitJob(job: CommitJob): VerifyResult {
  let pub: PublicKey
  try {
    pub = publicKey(job.key)
  } catch (err) {
    return fail(job.id, 'bad-key', (err as Error).message)
  }
  const commitCid = binToCid(job.commit)
  const ops = job.ops.map((o) => ({
    action: o.action,
    path: o.path,
    cid: o.cid ? binToCid(o.cid) : null,
    prev: o.prev ? binToCid(o.prev) : undefined,
  }))
  const prevData = job.prevData ? binToCid(job.prevData) : undefined
  const evt: CommitEvent = {
    repo: job.repo,
    rev: job.rev,
    since: job.since,
    commit: commitCid,
    blocks: job.blocks,
    ops,
    prevData,
  }
  let verified: ReturnType<typeof verifyCommitEvent>
  try {
    verified = verifyCommitEvent(evt, pub, { allowMissingPrevData: job.allowMissingPrevData })
  } catch (err) {
    if (err instanceof CommitVerificationError) return fail(job.id, err.reason, err.message)
    if (err instanceof RepoError) return fail(job.id, 'bad-repo', err.message)
    throw err
  }
  const head = job.commit
  const data = cidToBin(verified.data)
  if (job.emit === 'sync') {
    // The chain broke upstream of this commit: announce it as the repo's new state instead.
    const block = { cid: commitCid, bytes: verified.blocks.get(commitCid)! }
    const body = {
      seq: 0,
      did: job.repo,
      rev: job.rev,
      blocks: encodeCar([commitCid], [block]),
      time: job.time,
    }
    const frame = encodeRepoMessage({ t: '#sync', body })
    return {
      id: job.id,
      ok: true,
      frame,
      seqOffset: seqOffset(frame, HEADERS['#sync'], body),
      rev: job.rev,
      head,
      data,
      collections: [],
    }
  }
  const body = {
    seq: 0,
    rebase: false,
    tooBig: false,
    repo: job.repo,
    commit: commitCid,
    rev: job.rev,
    since: job.since,
    blocks: job.blocks,
    ops: ops.map((o) =>
      o.prev
        ? { action: o.action, path: o.path, cid: o.cid, prev: o.prev }
        : { action: o.action, path: o.path, cid: o.cid },
    ),
    blobs: [],
    time: job.time,
    ...(prevData ? { prevData } : {}),
  }
  const frame = encodeRepoMessage({ t: '#commit', body: body as never })
  return {
    id: job.id,
    ok: true,
    frame,
    seqOffset: seqOffset(frame, HEADERS['#commit'], body),
    rev: job.rev,
    head,
    data,
    collections: collectionsOf(job.ops),
  }
}

function verifySyncJob(job: SyncJob): VerifyResult {
  let pub: PublicKey
  try {
    pub = publicKey(job.key)
  } catch (err) {
    return fail(job.id, 'bad-key', (err as Error).message)
  }
  let commitCid: CID
  let bytes: Uint8Array | undefined
  try {
    const car = readCarSync(job.blocks, { maxTotalBytes: 10_000, maxBlockBytes: 10_000 })
    commitCid = car.roots[0]
    bytes = commitCid ? car.blocks.get(commitCid) : undefined
  } catch (err) {
    return fail(job.id, 'bad-car', (err as Error).message)
  }
  if (!bytes) return fail(job.id, 'missing-block', 'the #sync CAR lacks its root commit block')
  let commit: ReturnType<typeof decodeCommit>
  try {
    commit = decodeCommit(bytes)
  } catch (err) {
    return fail(job.id, 'bad-commit', (err as Error).message)
  }
  if (commit.did !== job.did) return fail(job.id, 'did-mismatch', `commit is for ${commit.did}`)
  if (commit.rev !== job.rev)
    return fail(job.id, 'rev-mismatch', `commit rev ${commit.rev}, event rev ${job.rev}`)
  if (!verifyCommitSignature(commit, pub))
    return fail(job.id, 'bad-signature', `#sync commit not signed by ${job.did}'s key`)
  const body = { seq: 0, did: job.did, rev: job.rev, blocks: job.blocks, time: job.time }
  const frame = encodeRepoMessage({ t: '#sync', body })
  return {
    id: job.id,
    ok: true,
    frame,
    seqOffset: seqOffset(frame, HEADERS['#sync'], body),
    rev: job.rev,
    head: cidToBin(commitCid),
    data: cidToBin(commit.data),
    collections: [],
  }
}

/** Verifies one job; never throws for bad input (a failure is a result with a reason). */
export function runJob(job: VerifyJob): VerifyResult {
  try {
    return job.kind === 'commit' ? verifyCommitJob(job) : verifySyncJob(job)
  } catch (err) {
    return fail(job.id, 'internal', `verification failed unexpectedly: ${(err as Error).message}`)
  }
}

// A full consistency check of a PDS database, for the crash tests and for operators: every
// repo exports as a CAR that verifies (signature, MST structure, records) and matches the
// record table; the event log has no gaps; every `#commit` event verifies by inversion and
// chains (since, prevData) onto the previous commit event of its repo; the last one is the root.
import { importKeypair, type JwtAlg } from '@welkin/crypto'
import { CID } from '@welkin/data'
import { type CommitEventOp, readRepoRecords, verifyCommitEvent, verifyRepoCar } from '@welkin/repo'
import type { PdsDatabase } from './db/database.js'
import { decodeEventFrame } from './events.js'
import { RepoReader } from './repo-reader.js'

export interface StoreReport {
  repos: number
  records: number
  events: number
  commitEvents: number
  problems: string[]
}

async function collect(it: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const p of it) parts.push(p)
  return Buffer.concat(parts)
}

/** Checks everything; problems are listed, not thrown, so one run reports them all. */
export async function verifyPdsStore(
  db: PdsDatabase,
  opts: { maxProblems?: number } = {},
): Promise<StoreReport> {
  const max = opts.maxProblems ?? 50
  const problems: string[] = []
  const problem = (p: string) => {
    if (problems.length < max) problems.push(p)
  }
  const reader = new RepoReader(db)
  const keys = new Map<string, string>()
  const rows = db.prepare('SELECT did, signing_key_alg, signing_key FROM account').all() as {
    did: string
    signing_key_alg: string
    signing_key: Uint8Array
  }[]
  for (const r of rows) keys.set(r.did, importKeypair(r.signing_key_alg as JwtAlg, r.signing_key).did())

  const roots = db.prepare('SELECT did, cid, rev FROM repo_root').all() as {
    did: string
    cid: Uint8Array
    rev: string
  }[]
  let records = 0
  for (const root of roots) {
    try {
      const car = await collect(reader.exportCar(root.did))
      const info = await verifyRepoCar(car, { did: root.did, key: keys.get(root.did) })
      if (info.rev !== root.rev) problem(`${root.did}: exported rev ${info.rev}, root says ${root.rev}`)
      const stored = new Map(
        (
          db.prepare('SELECT collection, rkey, cid FROM record WHERE did = ?').all(root.did) as {
            collection: string
            rkey: string
            cid: Uint8Array
          }[]
        ).map((r) => [`${r.collection}/${r.rkey}`, CID.decode(r.cid)]),
      )
      let inTree = 0
      for await (const rec of readRepoRecords(car)) {
        inTree++
        const cid = stored.get(`${rec.collection}/${rec.rkey}`)
        if (!cid?.equals(rec.cid))
          problem(`${root.did}: record ${rec.collection}/${rec.rkey} differs from its row`)
      }
      if (inTree !== stored.size) problem(`${root.did}: ${inTree} records in the tree, ${stored.size} rows`)
      records += inTree
    } catch (err) {
      problem(`${root.did}: repo does not verify: ${(err as Error).message}`)
    }
  }

  // Commits from before an account's deletion were signed with a key we no longer have.
  const deletedAt = new Map<string, number>()
  for (const r of db.prepare(`SELECT seq, did, frame FROM repo_seq WHERE type = '#account'`).all() as {
    seq: number
    did: string
    frame: Uint8Array
  }[]) {
    if (decodeEventFrame(r.frame).body.status === 'deleted') deletedAt.set(r.did, r.seq)
  }
  const last = new Map<string, { rev: string; cid: CID; data: CID }>()
  let expected: number | null = null
  let events = 0
  let commitEvents = 0
  const iter = db.prepare('SELECT seq, did, frame FROM repo_seq ORDER BY seq').iterate() as Iterable<{
    seq: number
    did: string
    frame: Uint8Array
  }>
  for (const row of iter) {
    events++
    if (expected !== null && row.seq !== expected)
      problem(`event log gap: seq ${row.seq} follows ${expected - 1}`)
    expected = row.seq + 1
    const { type, body } = decodeEventFrame(row.frame)
    if (body.seq !== row.seq) problem(`seq ${row.seq}: frame says seq ${String(body.seq)}`)
    if (type !== '#commit') continue
    commitEvents++
    const key = keys.get(row.did)
    if (!key || row.seq < (deletedAt.get(row.did) ?? 0)) continue
    try {
      const evt = {
        repo: body.repo as string,
        rev: body.rev as string,
        since: body.since as string | null,
        commit: body.commit as CID,
        blocks: body.blocks as Uint8Array,
        ops: body.ops as unknown as CommitEventOp[],
        prevData: (body.prevData as CID | undefined) ?? null,
      }
      const v = verifyCommitEvent(evt, key)
      const prev = last.get(row.did)
      if (prev && (evt.since !== prev.rev || !evt.prevData?.equals(prev.data))) {
        problem(`seq ${row.seq}: ${row.did} commit does not chain onto rev ${prev.rev}`)
      }
      last.set(row.did, { rev: v.rev, cid: v.cid, data: v.data })
    } catch (err) {
      problem(`seq ${row.seq}: #commit for ${row.did} does not verify: ${(err as Error).message}`)
    }
  }
  for (const root of roots) {
    const l = last.get(root.did)
    if (l && !l.cid.equals(CID.decode(root.cid)))
      problem(`${root.did}: root is not the last #commit event's commit`)
  }
  return { repos: roots.length, records, events, commitEvents, problems }
}

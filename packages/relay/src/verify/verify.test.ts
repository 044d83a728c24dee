import { Secp256k1Keypair } from '@welkin/crypto'
import { cidForCbor, decodeCborMulti, encodeCbor } from '@welkin/data'
import { type CommitMessage, decodeRepoFrame, encodeRepoMessage } from '@welkin/firehose'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { TestRepo } from '../testing/repo-writer.js'
import { binToCid, cidToBin } from '../util/bin.js'
import { seqOffset, spliceSeq } from './seq-splice.js'
import type { CommitJob, VerifyJob } from './types.js'
import { VerifierPool } from './verifier-pool.js'
import { runJob } from './verify-core.js'

const DID = 'did:plc:relayverifytest000000000'

function jobOf(msg: CommitMessage, key: string, id = 1): CommitJob {
  return {
    kind: 'commit',
    id,
    key,
    emit: 'commit',
    allowMissingPrevData: false,
    repo: msg.repo,
    rev: msg.rev,
    since: msg.since,
    commit: cidToBin(msg.commit),
    blocks: new Uint8Array(msg.blocks),
    ops: msg.ops.map((o) => ({
      action: o.action,
      path: o.path,
      cid: o.cid ? cidToBin(o.cid) : null,
      prev: o.prev ? cidToBin(o.prev) : null,
    })),
    prevData: msg.prevData ? cidToBin(msg.prevData) : null,
    time: msg.time,
  }
}

describe('seq splicing', () => {
  it('gives exactly the canonical encoding of the body with that seq (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: 1, max: 30 }),
          fc.integer({ min: 1, max: 2 ** 32 + 5 }),
          fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        ),
        fc.boolean(),
        (seq, withOps) => {
          const body: Record<string, unknown> = withOps
            ? {
                seq: 0,
                repo: DID,
                ops: [{ action: 'create', path: 'a.b.c/x', cid: null }],
                rev: '3jzfcijpj2z2a',
                time: 't',
              }
            : { seq: 0, did: DID, time: 't', active: true }
          const t = withOps ? '#commit' : '#account'
          const frame = encodeRepoMessage({ t, body } as never)
          const header = encodeCbor({ op: 1, t }).length
          const spliced = spliceSeq(frame, seqOffset(frame, header, body), seq)
          expect(spliced).toEqual(encodeRepoMessage({ t, body: { ...body, seq } } as never))
        },
      ),
    )
  })
})

describe('runJob', () => {
  it('verifies a real commit chain and re-encodes each commit with the relay seq', async () => {
    const repo = new TestRepo(DID)
    for (let i = 0; i < 5; i++) {
      const msg = await repo.commitMessage()
      const res = runJob(jobOf(msg, repo.keypair.did()))
      if (!res.ok) throw new Error(res.message)
      const out = decodeRepoFrame(spliceSeq(res.frame, res.seqOffset, 1000 + i))
      expect(out.kind).toBe('message')
      const body = (out as { message: { body: CommitMessage } }).message.body
      expect(body.seq).toBe(1000 + i)
      expect(body.commit.equals(msg.commit)).toBe(true)
      expect(body.blocks).toEqual(msg.blocks)
      expect(body.prevData?.equals(msg.prevData!) ?? msg.prevData === undefined).toBe(true)
      expect(res.collections).toEqual(['app.bsky.feed.post'])
      expect(binToCid(res.head).equals(msg.commit)).toBe(true)
    }
  })

  it('refuses a wrong key, a tampered prevData and a missing block, by reason', async () => {
    const repo = new TestRepo(DID)
    await repo.commit()
    const msg = await repo.commitMessage()
    const other = Secp256k1Keypair.createSync().did()
    expect(runJob(jobOf(msg, other))).toMatchObject({ ok: false, reason: 'bad-signature' })
    const tampered = jobOf(msg, repo.keypair.did())
    tampered.prevData = cidToBin(cidForCbor(encodeCbor({ x: 1 })))
    expect(runJob(tampered)).toMatchObject({ ok: false, reason: 'inversion-mismatch' })
    const garbage = jobOf(msg, repo.keypair.did())
    garbage.blocks = new Uint8Array([1, 2, 3])
    expect(runJob(garbage)).toMatchObject({ ok: false, reason: 'bad-car' })
    expect(runJob({ ...jobOf(msg, 'did:key:zNope') })).toMatchObject({ ok: false, reason: 'bad-key' })
  })

  it('turns a commit into a #sync frame when asked', async () => {
    const repo = new TestRepo(DID)
    const msg = await repo.commitMessage()
    const res = runJob({ ...jobOf(msg, repo.keypair.did()), emit: 'sync' })
    if (!res.ok) throw new Error(res.message)
    const [header, body] = decodeCborMulti(spliceSeq(res.frame, res.seqOffset, 7)) as [
      { t: string },
      { seq: number; rev: string },
    ]
    expect(header.t).toBe('#sync')
    expect(body).toMatchObject({ seq: 7, rev: msg.rev })
  })
})

describe('VerifierPool', () => {
  const pool = new VerifierPool({ workers: 2, batchSize: 4 })
  afterAll(() => pool.close())

  it('verifies in worker threads with the same results as inline', async () => {
    const repos = [new TestRepo(DID), new TestRepo('did:plc:relayverifytest000000001')]
    const jobs: VerifyJob[] = []
    for (let i = 0; i < 20; i++) {
      const r = repos[i % 2]
      jobs.push(
        jobOf(await r.commitMessage(), i === 13 ? Secp256k1Keypair.createSync().did() : r.keypair.did()),
      )
    }
    const inline = jobs.map((j) => runJob(structuredClone(j)))
    const pooled = await Promise.all(jobs.map(({ id: _id, ...j }) => pool.verify(j as never)))
    expect(pooled.map((r) => r.ok)).toEqual(inline.map((r) => r.ok))
    expect(pooled.filter((r) => !r.ok)).toHaveLength(1)
    for (let i = 0; i < jobs.length; i++) {
      const a = pooled[i]
      const b = inline[i]
      if (a.ok && b.ok) expect(a.frame).toEqual(b.frame)
    }
  })
})

describe('worker wire format', () => {
  it('round-trips jobs and results exactly', async () => {
    const { encodeJobs, decodeJobs, encodeResults, decodeResults } = await import('./wire.js')
    const repo = new TestRepo(DID)
    const jobs: VerifyJob[] = [
      jobOf(await repo.commitMessage(), repo.keypair.did(), 1),
      {
        kind: 'sync',
        id: 2,
        key: 'did:key:z',
        did: DID,
        rev: '3kaaaaaaaaaaa',
        blocks: new Uint8Array([1, 2, 3]),
        time: 't',
      },
      { ...jobOf(await repo.commitMessage(), repo.keypair.did(), 3), emit: 'sync' },
      { ...jobOf(await repo.commitMessage(), repo.keypair.did(), 4), since: null, prevData: null },
    ]
    const back = decodeJobs(encodeJobs(jobs))
    expect(back.map((j) => ({ ...j, blocks: [...j.blocks] }))).toEqual(
      jobs.map((j) => ({ ...j, blocks: [...j.blocks] })),
    )
    const results = jobs.map((j) => runJob(structuredClone(j)))
    const again = decodeResults(encodeResults(results))
    expect(again.map((r) => (r.ok ? { ...r, frame: [...r.frame] } : r))).toEqual(
      results.map((r) => (r.ok ? { ...r, frame: [...r.frame] } : r)),
    )
    expect(again.map((r) => (r.ok ? 'ok' : r.reason))).toEqual(['ok', 'bad-key', 'ok', 'inversion-mismatch'])
  })
})

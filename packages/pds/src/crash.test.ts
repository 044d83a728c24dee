// kill -9 under concurrent load, repeatedly: every acknowledged write must survive, every repo
// must verify, and the event log must be gapless with each repo's commits chaining (README,
// "Durability"). The load runs in a child process (write-load.ts) against a real SQLite file.
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { CID } from '@welkin/data'
import { afterAll, describe, expect, it } from 'vitest'
import { decodeEventFrame } from './events.js'
import { openTestStore, tempDir } from './testing.js'
import { verifyPdsStore } from './verify-store.js'
import type { WriteAck } from './write-load.js'

const script = fileURLToPath(new URL('./write-load.ts', import.meta.url))
const tsx = createRequire(import.meta.url).resolve('tsx')
const dir = tempDir('welkin-pds-crash-')
afterAll(() => dir.remove())

/** Runs the load until `killAfterMs` past READY, then SIGKILLs it; returns its acknowledgements. */
function round(seed: number, killAfterMs: number): Promise<{ acks: WriteAck[]; killed: boolean }> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(
      process.execPath,
      ['--import', tsx, script, dir.path, '5', '8', String(seed)],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    const acks: WriteAck[] = []
    let buf = ''
    let stderr = ''
    let timer: NodeJS.Timeout | undefined
    child.stdout!.on('data', (chunk: Buffer) => {
      buf += chunk.toString()
      let nl = buf.indexOf('\n')
      while (nl >= 0) {
        const line = buf.slice(0, nl)
        buf = buf.slice(nl + 1)
        if (line === 'READY') timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs)
        // A line cut by the kill has no newline yet and is not counted: it was not acknowledged.
        else if (line.startsWith('ACK ')) acks.push(JSON.parse(line.slice(4)))
        nl = buf.indexOf('\n')
      }
    })
    child.stderr!.on('data', (c: Buffer) => {
      stderr += c.toString()
    })
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      if (signal === 'SIGKILL') resolve({ acks, killed: true })
      else reject(new Error(`load exited by itself (code ${code}): ${stderr.slice(-2000)}`))
    })
  })
}

describe('kill -9 under load', () => {
  it('loses no acknowledged write and leaves everything verifiable', { timeout: 180_000 }, async () => {
    const acks: WriteAck[] = []
    const rounds = 5
    for (let i = 0; i < rounds; i++) {
      const r = await round(1000 + i, 300 + Math.floor(Math.random() * 900))
      expect(r.killed).toBe(true)
      acks.push(...r.acks)
    }
    expect(acks.length).toBeGreaterThan(rounds * 5)

    const { store, cleanup } = await openTestStore({}, dir.path)
    try {
      const report = await verifyPdsStore(store.db)
      expect(report.problems).toEqual([])
      expect(report.repos).toBe(5)

      // Every acknowledged commit is in the log at its seq, exactly as acknowledged.
      const bySeq = new Map(store.events.read(0, 100_000).map((e) => [e.seq, e]))
      for (const ack of acks) {
        const e = bySeq.get(ack.seq)
        expect(e, `seq ${ack.seq}`).toBeDefined()
        const body = decodeEventFrame(e!.frame).body
        expect(body.repo).toBe(ack.did)
        expect(body.rev).toBe(ack.rev)
        expect((body.commit as CID).toString()).toBe(ack.commit)
      }

      // Replaying every commit's ops from the log gives exactly the stored records: with the
      // check above, each acknowledged write's effect is in the state unless a later logged
      // commit changed it.
      const replay = new Map<string, string>()
      for (const e of bySeq.values()) {
        const { type, body } = decodeEventFrame(e.frame)
        if (type !== '#commit') continue
        for (const op of body.ops as { action: string; path: string; cid: CID | null }[]) {
          const uri = `at://${body.repo}/${op.path}`
          if (op.action === 'delete') replay.delete(uri)
          else replay.set(uri, op.cid!.toString())
        }
      }
      const stored = new Map(
        (
          store.db.prepare('SELECT did, collection, rkey, cid FROM record').all() as {
            did: string
            collection: string
            rkey: string
            cid: Uint8Array
          }[]
        ).map((r) => [`at://${r.did}/${r.collection}/${r.rkey}`, CID.decode(r.cid).toString()]),
      )
      expect(stored).toEqual(replay)

      // Blob files of permanent blobs are all in place (moves interrupted by a kill finish on open).
      const blobs = store.db.prepare('SELECT did, cid, temp_key FROM blob WHERE permanent = 1').all() as {
        did: string
        cid: string
        temp_key: string | null
      }[]
      for (const b of blobs) {
        expect(b.temp_key).toBeNull()
        expect(existsSync(store.blobs.store.permanentPath(b.did, b.cid))).toBe(true)
      }
    } finally {
      await cleanup()
    }
  })
})

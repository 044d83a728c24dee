// Kill -9 a process in the middle of a stream of writes, then check the database: every op the
// process acknowledged is there, and every DID's stored history is a valid chain (no half-applied
// op, no nullified flag without its nullifying op).
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { validateAuditLog } from '@welkin/identity'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { openSqliteStore } from './sqlite.js'
import type { StoredOp } from './types.js'

const here = (rel: string) => fileURLToPath(new URL(rel, import.meta.url))

const WRITER = `
import { PlcDirectory } from ${JSON.stringify(here('../directory.ts'))}
import { openSqliteStore } from ${JSON.stringify(here('./sqlite.ts'))}
import { TestAccount } from ${JSON.stringify(here('../testing.ts'))}
// Caps off: each DID here takes far more than 10 ops an hour, on purpose (crash safety, not limits).
const dir = new PlcDirectory(openSqliteStore({ path: process.argv[1] }), { opLimits: false })
const accounts = await Promise.all(Array.from({ length: 16 }, () => TestAccount.create()))
const ack = (cid) => process.stdout.write(cid + '\\n')
await Promise.all(accounts.map(async (a) => { await dir.submit(a.did, a.genesis); ack(a.cid()) }))
for (let round = 0; ; round++) {
  await Promise.all(accounts.map(async (a, i) => {
    // Every third round the recovery key forks from the op before last, nullifying one op.
    const fork = round % 3 === 2 && a.ops.length > 1
    const after = fork ? a.ops[a.ops.length - 2] : a.last
    const op = await a.update('h' + round + '-' + i + '.test', after, fork ? a.recovery : a.rotation)
    await dir.submit(a.did, op)
    if (fork) a.ops.pop()
    a.ops.push(op)
    ack(a.cid(op))
  }))
}
`

describe('SQLite crash safety', () => {
  const dir = mkdtempSync(join(tmpdir(), 'welkin-plc-crash-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('keeps every acknowledged op and only whole ops after a kill -9', { timeout: 60_000 }, async () => {
    const path = join(dir, 'plc.sqlite')
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', WRITER, path], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    const acked: string[] = []
    let buffered = ''
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString()
      const lines = buffered.split('\n')
      buffered = lines.pop() ?? ''
      acked.push(...lines)
    })
    // Let it get well into the stream of writes, then pull the plug.
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (acked.length >= 300) {
          clearInterval(timer)
          resolve()
        }
      }, 20)
      child.once('exit', (code) => {
        clearInterval(timer)
        reject(new Error(`writer exited early with ${code}`))
      })
    })
    child.kill('SIGKILL')
    await new Promise((resolve) => child.once('exit', resolve))

    const raw = new Database(path)
    expect(raw.pragma('integrity_check', { simple: true })).toBe('ok')
    raw.close()
    const store = openSqliteStore({ path })
    const all = await store.exportBySeq(0, 100_000)
    await store.close()
    const stored = new Set(all.map((o) => o.cid))
    for (const cid of acked) expect(stored.has(cid), `acknowledged op ${cid} was lost`).toBe(true)
    const byDid = new Map<string, StoredOp[]>()
    for (const op of all) byDid.set(op.did, [...(byDid.get(op.did) ?? []), op])
    expect(byDid.size).toBe(16)
    for (const [did, history] of byDid) expect(() => validateAuditLog(did, history)).not.toThrow()
    expect(all.some((o) => o.nullified)).toBe(true)
  })
})

// Kill -9 a process in the middle of a stream of writes, then check the database: every op the
// process acknowledged is there, and every DID's stored history is a valid chain (no half-applied
// op, no nullified flag without its nullifying op). Run over SQLite and over a fresh PostgreSQL
// schema, where a killed client's open transactions must be rolled back by the server.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { validateAuditLog } from '@welkin/identity'
import { Database } from '@welkin/sqlite'
import { afterAll, describe, expect, it } from 'vitest'
import { type Backend, postgresAvailable, postgresBackend, sqliteBackend, TEST_PG_URL } from '../testing.js'
import { SQLITE_FILE } from './open.js'
import type { StoredOp } from './types.js'

const here = (rel: string) => fileURLToPath(new URL(rel, import.meta.url))

// argv: backend name, then its location (a SQLite file, or a PostgreSQL URL and schema).
const WRITER = `
import { PlcDirectory } from ${JSON.stringify(here('../directory.ts'))}
import { openSqliteStore } from ${JSON.stringify(here('./sqlite.ts'))}
import { openPostgresStore } from ${JSON.stringify(here('./postgres.ts'))}
import { TestAccount } from ${JSON.stringify(here('../testing.ts'))}
const [backend, where, schema] = process.argv.slice(1)
const store = backend === 'postgres'
  ? await openPostgresStore({ url: where, schema, poolSize: 16 })
  : openSqliteStore({ path: where })
// Caps off: each DID here takes far more than 10 ops an hour, on purpose (crash safety, not limits).
const dir = new PlcDirectory(store, { opLimits: false })
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

/** Runs the writer until it has acknowledged `count` ops, then kills it with SIGKILL. */
async function writeThenKill(args: string[], count: number): Promise<string[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', WRITER, ...args], {
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
      if (acked.length >= count) {
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
  // Only what was acknowledged before the kill counts (a line may have arrived after `count`).
  return acked
}

function describeCrashSuite(backend: Backend, enabled: boolean, writerArgs: (where: string) => string[]) {
  describe.skipIf(!enabled)(`crash safety over ${backend.name}`, () => {
    let where: string | undefined
    afterAll(async () => {
      if (where) await backend.destroy(where)
    })

    it('keeps every acknowledged op and only whole ops after a kill -9', { timeout: 60_000 }, async () => {
      where = await backend.fresh()
      const acked = await writeThenKill(writerArgs(where), 300)
      if (backend.name === 'sqlite') {
        const raw = new Database(writerArgs(where)[1])
        expect(raw.pragma('integrity_check', { simple: true })).toBe('ok')
        raw.close()
      }
      const store = await backend.open(where)
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
}

describeCrashSuite(sqliteBackend, true, (dir) => ['sqlite', join(dir, SQLITE_FILE)])
describeCrashSuite(postgresBackend, await postgresAvailable(), (schema) => ['postgres', TEST_PG_URL, schema])

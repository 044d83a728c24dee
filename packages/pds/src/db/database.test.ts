import { execFileSync } from 'node:child_process'
import { statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { DatabaseError } from '../errors.js'
import { tempDir } from '../testing.js'
import { type DatabaseOptions, PdsDatabase } from './database.js'
import { MIGRATIONS } from './schema.js'

const cleanups: (() => void | Promise<void>)[] = []
function open(name = 'db.sqlite', migrations = MIGRATIONS, opts: DatabaseOptions = {}) {
  const d = tempDir()
  const db = PdsDatabase.open(join(d.path, name), { migrations, ...opts })
  cleanups.push(async () => {
    await db.shutdown()
    d.remove()
  })
  return { db, dir: d.path }
}
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c()
})

describe('PdsDatabase', () => {
  it('creates the file with mode 0600 in WAL mode and migrates it', () => {
    const { db } = open()
    expect(statSync(db.path).mode & 0o777).toBe(0o600)
    expect(db.sqlite.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(db.sqlite.pragma('synchronous', { simple: true })).toBe(1)
    expect(db.schemaVersion).toBe(MIGRATIONS[MIGRATIONS.length - 1].version)
    const tables = db.sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as {
      name: string
    }[]
    expect(tables.map((t) => t.name)).toEqual(
      expect.arrayContaining([
        'account',
        'repo_root',
        'repo_block',
        'record',
        'blob',
        'record_blob',
        'repo_seq',
      ]),
    )
  })

  it('applies only new migrations on reopen and refuses a newer schema', async () => {
    const { db, dir } = open('x.sqlite')
    const path = db.path
    await db.shutdown()
    const extra = [...MIGRATIONS, { version: 99, sql: 'CREATE TABLE extra (x INTEGER) STRICT' }]
    const again = PdsDatabase.open(path, { migrations: extra })
    expect(again.schemaVersion).toBe(99)
    await again.shutdown()
    expect(() => PdsDatabase.open(join(dir, 'x.sqlite'))).toThrow(DatabaseError)
  })

  it('rolls a failed transaction back entirely', () => {
    const { db } = open()
    const insert = (did: string) =>
      db
        .prepare(
          `INSERT INTO account (did, handle, signing_key_alg, signing_key, created_at) VALUES (?, ?, 'ES256K', x'00', 'now')`,
        )
        .run(did, did.slice(8))
    expect(() =>
      db.transact(() => {
        insert('did:plc:one')
        throw new Error('boom')
      }),
    ).toThrow('boom')
    expect(db.prepare('SELECT count(*) AS n FROM account').get()).toEqual({ n: 0 })
  })

  it('nests transactions as savepoints', () => {
    const { db } = open()
    const insert = db.prepare(
      `INSERT INTO account (did, handle, signing_key_alg, signing_key, created_at) VALUES (?, ?, 'ES256K', x'00', 'now')`,
    )
    db.transact(() => {
      insert.run('did:plc:a', 'a.test')
      expect(() =>
        db.transact(() => {
          insert.run('did:plc:b', 'b.test')
          throw new Error('inner')
        }),
      ).toThrow('inner')
      insert.run('did:plc:c', 'c.test')
    })
    const dids = (db.prepare('SELECT did FROM account ORDER BY did').all() as { did: string }[]).map(
      (r) => r.did,
    )
    expect(dids).toEqual(['did:plc:a', 'did:plc:c'])
  })

  it('refuses an asynchronous transaction function', () => {
    const { db } = open()
    expect(() => db.transact((async () => 1) as never)).toThrow(DatabaseError)
  })

  it('keeps a snapshot stable while the main connection writes', () => {
    const { db } = open()
    const insert = db.prepare(
      `INSERT INTO account (did, handle, signing_key_alg, signing_key, created_at) VALUES (?, ?, 'ES256K', x'00', 'now')`,
    )
    insert.run('did:plc:a', 'a.test')
    const snap = db.openSnapshot()
    insert.run('did:plc:b', 'b.test')
    expect(snap.sqlite.prepare('SELECT count(*) AS n FROM account').get()).toEqual({ n: 1 })
    snap.release()
    expect(db.prepare('SELECT count(*) AS n FROM account').get()).toEqual({ n: 2 })
  })

  it('checkpoints the WAL on a worker thread, not in commits', async () => {
    const { db } = open('c.sqlite', MIGRATIONS, { checkpointer: { intervalMs: 20 } })
    expect(db.sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(0)
    const before = statSync(db.path).size
    const insert = db.prepare(
      `INSERT INTO repo_seq (seq, did, type, frame, created_at) VALUES (?, 'did:plc:a', '#identity', ?, 0)`,
    )
    db.transact(() => {
      for (let i = 1; i <= 500; i++) insert.run(i, new Uint8Array(2000))
    })
    // The rows are in the WAL only until the worker copies them into the database file.
    const deadline = Date.now() + 10_000
    while (statSync(db.path).size <= before + 500 * 2000 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50))
    }
    expect(statSync(db.path).size).toBeGreaterThan(before + 500 * 2000)
  })

  it('starts the WAL over under steady writes without the writer ever waiting for a lock', async () => {
    const { db } = open('s.sqlite', MIGRATIONS, {
      checkpointer: { intervalMs: 10, restartBytes: 256 * 1024, maxHoldMs: 5_000 },
    })
    // Any lock the checkpointer took from the writer (as RESTART or TRUNCATE would) now fails
    // the commit with SQLITE_BUSY instead of sleeping in the busy handler.
    db.sqlite.pragma('busy_timeout = 0')
    const insert = db.prepare(
      `INSERT INTO repo_seq (seq, did, type, frame, created_at) VALUES (?, 'did:plc:a', '#identity', ?, 0)`,
    )
    const wal = `${db.path}-wal`
    let seq = 0
    let written = 0
    let maxWal = 0
    // A commit every millisecond or so, never a pause long enough for a checkpoint pass to catch
    // up on its own; each commit waits only for the gate, as the group committer's do.
    const deadline = Date.now() + 20_000
    while ((db.writeGate.holds < 3 || written < 4 * 1024 * 1024) && Date.now() < deadline) {
      await new Promise<void>((resolve) => db.writeGate.whenOpen(resolve))
      db.transact(() => {
        for (let i = 0; i < 5; i++) insert.run(++seq, new Uint8Array(1000))
      })
      written += 5 * 1000
      maxWal = Math.max(maxWal, statSync(wal).size)
      await new Promise((r) => setTimeout(r, 1))
    }
    expect(db.writeGate.holds).toBeGreaterThanOrEqual(3)
    expect(written).toBeGreaterThanOrEqual(4 * 1024 * 1024)
    // Without restarts the WAL holds every page written (more than the rows' 4 MiB); with them,
    // about restartBytes plus what piles up during a checkpoint pass.
    expect(maxWal).toBeLessThan(written / 2)
  }, 30_000)

  it('lets a script await its shutdown at top level', () => {
    // The checkpointer's worker is unreferenced while it runs; shutdown must still keep the
    // process alive until it has exited, or Node ends with 13 (an unsettled top-level await).
    const d = tempDir()
    cleanups.push(() => d.remove())
    const script = join(d.path, 'shutdown.mts')
    const database = fileURLToPath(new URL('./database.ts', import.meta.url))
    writeFileSync(
      script,
      `import { PdsDatabase } from ${JSON.stringify(database)}
const db = PdsDatabase.open(${JSON.stringify(join(d.path, 'x.sqlite'))})
await db.shutdown()
console.log('closed')
`,
    )
    const out = execFileSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8' })
    expect(out.trim()).toBe('closed')
  })

  it('leaves checkpoints to SQLite or to nobody when asked', () => {
    expect(
      open('a.sqlite', MIGRATIONS, { checkpoints: 'auto' }).db.sqlite.pragma('wal_autocheckpoint', {
        simple: true,
      }),
    ).toBe(1000)
    expect(
      open('o.sqlite', MIGRATIONS, { checkpoints: 'off' }).db.sqlite.pragma('wal_autocheckpoint', {
        simple: true,
      }),
    ).toBe(0)
  })
})

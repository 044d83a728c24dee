import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { Database, driverModule, driverPath } from './index.js'

describe('@welkin/sqlite', () => {
  it('loads the build meant for this Node', () => {
    const major = Number(process.versions.node.split('.')[0])
    expect(driverModule).toBe(major >= 24 ? 'better-sqlite3-13' : 'better-sqlite3')
    expect(driverPath).toContain(`node_modules/${driverModule}/`)
  })

  it('survives many collected statements (what aborts 12.x on Node 24.19+)', () => {
    const db = new Database(':memory:')
    db.exec('CREATE TABLE t (a INTEGER, b BLOB)')
    // A fresh statement per call leaves thousands for the collector to finalize.
    for (let i = 0; i < 20_000; i++) db.prepare('INSERT INTO t VALUES (?, ?)').run(i, Buffer.from([i & 255]))
    expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 20_000 })
    db.close()
  })

  it('opens the same file from a worker thread through driverPath', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'welkin-sqlite-'))
    try {
      const path = join(dir, 'db.sqlite')
      const db = new Database(path)
      db.exec('CREATE TABLE t (a INTEGER); INSERT INTO t VALUES (7)')
      const code = `const { workerData, parentPort } = require('node:worker_threads')
        const D = require(workerData.driver)
        const db = new D(workerData.path, { readonly: true })
        parentPort.postMessage(db.prepare('SELECT a FROM t').get().a)
        db.close()`
      const got = await new Promise((resolve, reject) => {
        const w = new Worker(code, { eval: true, workerData: { driver: driverPath, path } })
        w.once('message', resolve)
        w.once('error', reject)
      })
      expect(got).toBe(7)
      db.close()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

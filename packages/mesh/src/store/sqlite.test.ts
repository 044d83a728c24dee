import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { GraphEntry } from '@welkin/graph'
import { describeGraphStore } from '@welkin/graph/store-suite'
import { Database } from '@welkin/sqlite'
import { afterAll, describe, expect, it } from 'vitest'
import { MeshStoreError } from '../errors.js'
import { SqliteGraphStore } from './sqlite.js'

const dir = mkdtempSync(join(tmpdir(), 'welkin-mesh-store-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let n = 0

describeGraphStore('SqliteGraphStore', () => new SqliteGraphStore({ path: join(dir, `suite-${n++}.sqlite`) }))

describe('SqliteGraphStore', () => {
  it('pages through more rows than one query fetches, and persists across reopening', () => {
    const path = join(dir, 'pages.sqlite')
    const store = new SqliteGraphStore({ path })
    const entries = Array.from(
      { length: 2500 },
      (_, i) => new GraphEntry(`s${i % 7}`, `p${i}`, i, 1000 + i, null),
    )
    store.putBatch(entries)
    store.close()
    const again = new SqliteGraphStore({ path })
    const all = [...again.iterate()]
    expect(all).toHaveLength(2500)
    expect(again.count()).toBe(2500)
    const keys = all.map((e) => `${e.soul}|${e.prop}`)
    expect(keys).toEqual([...keys].sort())
    const page = [...again.iterate({ after: all[700], limit: 1200 })]
    expect(page.map((e) => `${e.soul}|${e.prop}`)).toEqual(keys.slice(701, 1901))
    again.close()
  })

  it('refuses a second opener of the same file while the first holds it', () => {
    const path = join(dir, 'locked.sqlite')
    const first = new SqliteGraphStore({ path })
    first.putBatch([new GraphEntry('a', 'b', 1, 1, null)])
    expect(() => new SqliteGraphStore({ path })).toThrow(/in use/)
    first.close()
    const second = new SqliteGraphStore({ path })
    expect(second.get('a', 'b')?.value).toBe(1)
    second.close()
  })

  it('raises MeshStoreError for a corrupt value and for a newer schema', () => {
    const path = join(dir, 'corrupt.sqlite')
    new SqliteGraphStore({ path }).close()
    const raw = new Database(path)
    raw.prepare('INSERT INTO graph_entry VALUES (?, ?, ?, ?, ?)').run('a', 'b', 1, Buffer.from([0xff]), null)
    raw.close()
    const store = new SqliteGraphStore({ path })
    expect(() => store.get('a', 'b')).toThrow(MeshStoreError)
    store.close()
    const raw2 = new Database(path)
    raw2.pragma('user_version = 99')
    raw2.close()
    expect(() => new SqliteGraphStore({ path })).toThrow(/schema version 99/)
  })

  it('keeps every acknowledged batch, and only whole batches, after kill -9', {
    timeout: 60_000,
  }, async () => {
    const path = join(dir, 'kill.sqlite')
    const storeModule = fileURLToPath(new URL('./sqlite.ts', import.meta.url))
    // Batch i writes props 0..49 of soul `b<i>`; it prints i once putBatch has returned.
    const writer = `
      import { GraphEntry } from '@welkin/graph'
      import { SqliteGraphStore } from ${JSON.stringify(storeModule)}
      const store = new SqliteGraphStore({ path: process.argv[1] })
      for (let i = 0; ; i++) {
        const batch = Array.from({ length: 50 }, (_, p) => new GraphEntry('b' + i, 'p' + p, 'v' + i, 1000 + i, null))
        store.putBatch(batch)
        process.stdout.write(i + '\\n')
      }
    `
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', writer, path], {
      stdio: ['ignore', 'pipe', 'inherit'],
      cwd: fileURLToPath(new URL('.', import.meta.url)),
    })
    let acked = -1
    let buffered = ''
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString()
      const lines = buffered.split('\n')
      buffered = lines.pop() ?? ''
      if (lines.length > 0) acked = Number(lines[lines.length - 1])
    })
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (acked >= 200) {
          clearInterval(timer)
          resolve()
        }
      }, 10)
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
    const store = new SqliteGraphStore({ path })
    const perSoul = new Map<string, number>()
    for (const e of store.iterate()) perSoul.set(e.soul, (perSoul.get(e.soul) ?? 0) + 1)
    store.close()
    for (let i = 0; i <= acked; i++) expect(perSoul.get(`b${i}`), `acknowledged batch ${i}`).toBe(50)
    for (const [soul, count] of perSoul) expect(count, `batch ${soul} is partial`).toBe(50)
  })
})

import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { plcService } from '../up/plc.js'
import { startAll, stopAll } from './up.js'

const bin = resolve(dirname(fileURLToPath(import.meta.url)), '../../bin/welkin.js')

describe('welkin up', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'welkin-up-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('starts every service, each answering its health check, and keeps data across restarts', async () => {
    let running = await startAll([plcService(0)], dir, () => undefined)
    const plc = running.find((s) => s.name === 'plc')!
    expect((await fetch(`${plc.url}/_health`)).status).toBe(200)
    await stopAll(running)

    running = await startAll([plcService(0)], dir, () => undefined)
    expect((await fetch(`${running[0].url}/_health`)).status).toBe(200)
    await stopAll(running)
  })

  it('stops already started services when a later one fails', async () => {
    let closed = false
    const failing = { name: 'broken', start: () => Promise.reject(new Error('no')) }
    const probe = {
      name: 'probe',
      start: async () => ({
        name: 'probe',
        url: 'x',
        notes: [],
        close: async () => {
          closed = true
        },
      }),
    }
    await expect(startAll([probe, failing], dir, () => undefined)).rejects.toThrow('no')
    expect(closed).toBe(true)
  })

  it('runs as a process that prints its URLs and stops within seconds on Ctrl-C', async () => {
    const child = spawn(process.execPath, [bin, 'up', '--data', join(dir, 'proc')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout.on('data', (b) => {
      out += b
    })
    child.stderr.on('data', (b) => {
      out += b
    })
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)))
    const deadline = Date.now() + 60_000
    while (!out.includes('Press Ctrl-C') && Date.now() < deadline) {
      if (child.exitCode !== null) break
      await new Promise((r) => setTimeout(r, 100))
    }
    expect(out).toContain('http://127.0.0.1:2582')
    const t0 = Date.now()
    child.kill('SIGINT')
    expect(await exited).toBe(0)
    expect(Date.now() - t0).toBeLessThan(5_000)
  }, 90_000)
})

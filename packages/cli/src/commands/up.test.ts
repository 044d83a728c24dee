import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { plcService } from '../up/plc.js'
import { startAll, stopAll } from './up.js'

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
})

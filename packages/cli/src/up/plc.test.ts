// `welkin up`'s directory is a local development network: a script's burst of accounts and one
// account's many handle changes must not meet the public directory's limits.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Secp256k1Keypair } from '@welkin/crypto'
import { createGenesisOp, type PlcOp, updateHandleOp } from '@welkin/identity'
import { DEFAULT_CLIENT_RATE_LIMIT, DEFAULT_OP_RATE_LIMITS } from '@welkin/plc'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { plcService, UP_OP_RATE_LIMITS, UP_POST_RATE_LIMIT } from './plc.js'
import type { RunningService } from './service.js'

describe("welkin up's did:plc directory", () => {
  let dir: string
  let plc: RunningService

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'welkin-up-plc-'))
    plc = await plcService(0).start({ dataDir: dir, urls: {}, log: () => undefined })
  })

  afterAll(async () => {
    await plc?.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('has limits far above the public defaults, and says so', () => {
    expect(UP_POST_RATE_LIMIT.burst).toBeGreaterThanOrEqual(10 * DEFAULT_CLIENT_RATE_LIMIT.burst)
    expect(UP_OP_RATE_LIMITS.perHour).toBeGreaterThanOrEqual(100 * DEFAULT_OP_RATE_LIMITS.perHour)
    expect(plc.notes.join('\n')).toContain('limits: 1000 POSTs/s per client (burst 10000)')
  })

  it('accepts many more ops for one DID than the public hourly cap', async () => {
    const key = await Secp256k1Keypair.create()
    const { did, op } = await createGenesisOp(
      { rotationKeys: [key.did()], signingKey: key.did(), handle: 'dev.test', pds: 'http://localhost:2583' },
      key,
    )
    let last: PlcOp = op
    // The public directory would refuse the 11th; a developer's script changing handles does not stop there.
    for (let i = 0; i <= 3 * DEFAULT_OP_RATE_LIMITS.perHour; i++) {
      if (i > 0) last = await updateHandleOp(last, key, `dev${i}.test`)
      const res = await fetch(`${plc.url}/${encodeURIComponent(did)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(last),
      })
      expect(res.status, `op ${i}: ${await res.text()}`).toBe(200)
    }
  })

  it('takes a burst of POSTs from one address well beyond the public burst', {
    timeout: 30_000,
  }, async () => {
    // 800 at once. The public bucket (burst 300, refilling 60/s) would refuse some of them unless
    // they took over 8 s to arrive; on loopback they take one or two.
    const statuses = await Promise.all(
      Array.from({ length: 800 }, async () => {
        const res = await fetch(`${plc.url}/did:plc:aaaaaaaaaaaaaaaaaaaaaaaa`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        })
        await res.arrayBuffer()
        return res.status
      }),
    )
    expect(statuses.filter((s) => s === 429)).toEqual([])
    expect(statuses.every((s) => s === 400)).toBe(true)
  })
})

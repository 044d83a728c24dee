import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Secp256k1Keypair } from '@welkin/crypto'
import { CID, dataToJson } from '@welkin/data'
import { exportRepoCar, MemoryBlockstore, Repo } from '@welkin/repo'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../main.js'

async function runCli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = []
  const err: string[] = []
  const code = await main(argv, {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    signal: new AbortController().signal,
  })
  return { code, out: out.join('\n'), err: err.join('\n') }
}

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const c of chunks) parts.push(c)
  return Buffer.concat(parts)
}

describe('welkin repo', () => {
  let dir: string
  let carPath: string
  let car: Uint8Array
  let did: string
  let key: string
  const records: Record<string, unknown> = {}

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'welkin-cli-'))
    const keypair = await Secp256k1Keypair.create()
    did = 'did:plc:abcdefghijklmnopqrstuvwx'
    key = keypair.did()
    const store = new MemoryBlockstore()
    const writes = []
    for (let i = 0; i < 30; i++) {
      const rkey = `3k${String(i).padStart(11, 'a')}`.slice(0, 13)
      const record = { $type: 'app.bsky.feed.post', text: `post ${i}`, createdAt: new Date(0).toISOString() }
      writes.push({ action: 'create' as const, collection: 'app.bsky.feed.post', rkey, record })
      records[`app.bsky.feed.post/${rkey}`] = record
    }
    writes.push({
      action: 'create' as const,
      collection: 'app.bsky.actor.profile',
      rkey: 'self',
      record: { $type: 'app.bsky.actor.profile', displayName: 'Ada' },
    })
    records['app.bsky.actor.profile/self'] = { $type: 'app.bsky.actor.profile', displayName: 'Ada' }
    const repo = await Repo.create(store, did, keypair, writes)
    car = await collect(exportRepoCar(store, repo.cid))
    carPath = join(dir, 'repo.car')
    await writeFile(carPath, car)
  })

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('inspects DID, rev, commit and counts per collection', async () => {
    const res = await runCli(['repo', 'inspect', carPath, '--json'])
    expect(res.code, res.err).toBe(0)
    const info = JSON.parse(res.out)
    expect(info.did).toBe(did)
    expect(info.recordCount).toBe(31)
    expect(info.collections).toEqual({ 'app.bsky.actor.profile': 1, 'app.bsky.feed.post': 30 })
    expect(() => CID.parse(info.commit)).not.toThrow()
  })

  it('verifies with the right DID and key', async () => {
    const res = await runCli(['repo', 'verify', carPath, '--did', did, '--key', key])
    expect(res.code, res.err).toBe(0)
    expect(res.out).toMatch(/signature:\s+valid/)
  })

  it('fails with the wrong key, naming the signature', async () => {
    const other = (await Secp256k1Keypair.create()).did()
    const res = await runCli(['repo', 'verify', carPath, '--key', other])
    expect(res.code).toBe(1)
    expect(res.err).toMatch(/signature/)
  })

  it('fails with the wrong DID', async () => {
    const res = await runCli(['repo', 'verify', carPath, '--did', 'did:plc:zzzzzzzzzzzzzzzzzzzzzzzz'])
    expect(res.code).toBe(1)
    expect(res.err).toMatch(/did:plc:zzzz/)
  })

  it('fails on a tampered record byte, naming the block', async () => {
    const text = Buffer.from('post 17')
    const at = Buffer.from(car).indexOf(text)
    expect(at).toBeGreaterThan(0)
    const bad = Buffer.from(car)
    bad[at + 5] ^= 0x01
    const badPath = join(dir, 'tampered.car')
    await writeFile(badPath, bad)
    const res = await runCli(['repo', 'verify', badPath, '--key', key])
    expect(res.code).toBe(1)
    expect(res.err).toMatch(/bafyrei[a-z2-7]+/)
  })

  it('exports every record as atproto-JSON', async () => {
    const out = join(dir, 'export')
    const res = await runCli(['repo', 'export', carPath, out])
    expect(res.code, res.err).toBe(0)
    expect(await readdir(out)).toEqual(['app.bsky.actor.profile', 'app.bsky.feed.post'])
    expect(await readdir(join(out, 'app.bsky.feed.post'))).toHaveLength(30)
    for (const [path, record] of Object.entries(records)) {
      const written = JSON.parse(await readFile(join(out, `${path}.json`), 'utf8'))
      expect(written).toEqual(dataToJson(record as never))
    }
  })

  it('answers usage mistakes with status 2', async () => {
    expect((await runCli(['repo', 'inspect'])).code).toBe(2)
    expect((await runCli(['repo', 'frobnicate'])).code).toBe(2)
    expect((await runCli(['repo', 'verify', carPath, '--bogus'])).code).toBe(2)
  })

  it('reports a missing file as one line, not a stack', async () => {
    const res = await runCli(['repo', 'inspect', join(dir, 'nope.car')])
    expect(res.code).toBe(1)
    expect(res.err).toMatch(/no such file/)
    expect(res.err).not.toMatch(/\n\s+at /)
  })
})

import { lookup } from 'node:dns/promises'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Secp256k1Keypair } from '@welkin/crypto'
import { CID, dataToJson } from '@welkin/data'
import { createGenesisOp } from '@welkin/identity'
import { openSqliteStore, PlcDirectory, type PlcServer, startPlcServer } from '@welkin/plc'
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

  it('refuses --key together with --no-signature', async () => {
    expect((await runCli(['repo', 'verify', carPath, '--key', key, '--no-signature'])).code).toBe(2)
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

/** A small signed repo for `did`, written as a CAR file at `path`. */
async function writeRepoCar(path: string, did: string, keypair: Secp256k1Keypair): Promise<void> {
  const store = new MemoryBlockstore()
  const record = { $type: 'app.bsky.feed.post', text: 'hello', createdAt: new Date(0).toISOString() }
  const repo = await Repo.create(store, did, keypair, [
    { action: 'create', collection: 'app.bsky.feed.post', rkey: '3kaaaaaaaaaaa', record },
  ])
  await writeFile(path, await collect(exportRepoCar(store, repo.cid)))
}

async function listen(server: Server, host: string): Promise<number> {
  await new Promise<void>((done) => server.listen(0, host, done))
  return (server.address() as AddressInfo).port
}

describe('welkin repo verify without --key: the key from the DID document', () => {
  let dir: string
  let directory: PlcDirectory
  let plc: PlcServer
  let web: Server | undefined
  const signer = Secp256k1Keypair.createSync()
  const rotation = Secp256k1Keypair.createSync()
  /** Repo signed by `signer`, its DID registered with `signer` as the atproto key. */
  let goodCar: string
  /** Repo signed by `signer`, its DID registered with another atproto key. */
  let wrongKeyCar: string
  /** Repo of a did:plc the directory has never seen. */
  let unknownCar: string

  async function register(signingKey: string, handle: string): Promise<string> {
    const { did, op } = await createGenesisOp(
      { rotationKeys: [rotation.did()], signingKey, handle, pds: 'https://pds.example.com' },
      rotation,
    )
    const res = await fetch(`${plc.url}/${did}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(op),
    })
    expect(res.status, await res.text()).toBe(200)
    return did
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'welkin-cli-verify-'))
    directory = new PlcDirectory(openSqliteStore({ path: join(dir, 'plc.sqlite') }))
    plc = await startPlcServer(directory, { port: 0 })
    goodCar = join(dir, 'good.car')
    await writeRepoCar(goodCar, await register(signer.did(), 'good.test'), signer)
    wrongKeyCar = join(dir, 'wrong-key.car')
    const other = Secp256k1Keypair.createSync()
    await writeRepoCar(wrongKeyCar, await register(other.did(), 'wrong.test'), signer)
    unknownCar = join(dir, 'unknown.car')
    await writeRepoCar(unknownCar, 'did:plc:zzzzzzzzzzzzzzzzzzzzzzzz', signer)
  })

  afterAll(async () => {
    await new Promise((done) => (web ? web.close(done) : done(undefined)))
    await plc?.close()
    await directory?.store.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('passes when the directory holds the key that signed the commit', async () => {
    const res = await runCli(['repo', 'verify', goodCar, '--plc', plc.url])
    expect(res.code, res.err).toBe(0)
    expect(res.out).toMatch(/signature:\s+valid \(key did:key:\S+ from the DID document\)/)
    expect(res.out).toContain(signer.did())
  })

  it('fails, naming the signature, when the DID document holds another key', async () => {
    const res = await runCli(['repo', 'verify', wrongKeyCar, '--plc', plc.url])
    expect(res.code).toBe(1)
    expect(res.err).toMatch(/signature does not verify/)
  })

  it('fails, saying so, for a DID the directory does not know', async () => {
    const res = await runCli(['repo', 'verify', unknownCar, '--plc', plc.url])
    expect(res.code).toBe(1)
    expect(res.err).toMatch(/cannot check the signature: did:plc:z+ is not found at http:\/\/127\.0\.0\.1/)
  })

  it('fails with a clear message when the directory cannot be reached', async () => {
    // A port that was just free: nothing listens there.
    const probe = createServer()
    const port = await listen(probe, '127.0.0.1')
    await new Promise((done) => probe.close(done))
    const res = await runCli(['repo', 'verify', goodCar, '--plc', `http://127.0.0.1:${port}`])
    expect(res.code).toBe(1)
    expect(res.err).toMatch(/cannot check the signature: resolving did:plc:[a-z2-7]{24}: /)
    expect(res.err).toMatch(/ECONNREFUSED/)
    expect(res.err).toMatch(/--no-signature/)
    expect(res.err).not.toMatch(/\n\s+at /)
  })

  it('with --no-signature, checks the rest and says the signature was not checked', async () => {
    const res = await runCli(['repo', 'verify', wrongKeyCar, '--no-signature', '--plc', 'http://127.0.0.1:1'])
    expect(res.code, res.err).toBe(0)
    expect(res.out).toMatch(/signature:\s+NOT CHECKED \(--no-signature\)/)
    const json = JSON.parse((await runCli(['repo', 'verify', wrongKeyCar, '--no-signature', '--json'])).out)
    expect(json.signature).toBe('not checked')
  })

  it('resolves did:web, on loopback only with --allow-loopback', async () => {
    // did:web:localhost%3APORT is fetched from http://localhost:PORT (did spec, did:web).
    const { address } = await lookup('localhost', { verbatim: true })
    let did = ''
    const doc = () => ({
      '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
      id: did,
      verificationMethod: [
        {
          id: `${did}#atproto`,
          type: 'Multikey',
          controller: did,
          publicKeyMultibase: signer.did().slice('did:key:'.length),
        },
      ],
    })
    web = createServer((req, res) => {
      if (req.url !== '/.well-known/did.json') res.writeHead(404).end()
      else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(doc()))
    })
    did = `did:web:localhost%3A${await listen(web, address)}`
    const webCar = join(dir, 'web.car')
    await writeRepoCar(webCar, did, signer)

    const refused = await runCli(['repo', 'verify', webCar])
    expect(refused.code).toBe(1)
    expect(refused.err).toMatch(
      /cannot check the signature: .*refusing to fetch http:\/\/localhost:\d+.*loopback/,
    )

    const res = await runCli(['repo', 'verify', webCar, '--allow-loopback'])
    expect(res.code, res.err).toBe(0)
    expect(res.out).toContain(`did:          ${did}`)
    expect(res.out).toMatch(/signature:\s+valid \(key did:key:/)
  })
})

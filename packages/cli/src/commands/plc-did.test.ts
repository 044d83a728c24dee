// The `welkin plc` and `welkin did` commands end to end, on loopback. (They live in
// packages/cli; this test sits here with the directory it drives.)
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Secp256k1Keypair } from '@welkin/crypto'
import { createGenesisOp, type PlcOp, updateHandleOp } from '@welkin/identity'
import { openPlcStore, PlcDirectory, startPlcServer } from '@welkin/plc'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
// Test support of the packages below (not their public API).
import { type DnsTestServer, startDnsTestServer } from '../../../identity/src/resolve/dns-test-server.js'
import { postgresAvailable, postgresBackend, TEST_PG_URL } from '../../../plc/src/testing.js'
import { type CommandContext, UsageError } from '../command.js'
import { didCommand } from './did.js'
import { plcCommand } from './plc.js'

function context(argv: string[], signal = new AbortController().signal) {
  const out: string[] = []
  const err: string[] = []
  const ctx: CommandContext = { argv, out: (l) => out.push(l), err: (l) => err.push(l), signal }
  return { ctx, out, err }
}

/** Runs `welkin plc` in this process until stop(); resolves once it prints its URL. */
async function startPlc(argv: string[]) {
  const stopper = new AbortController()
  const c = context(['--port', '0', ...argv], stopper.signal)
  const running = plcCommand.run(c.ctx)
  let failed: unknown
  running.catch((err) => {
    failed = err
  })
  for (let i = 0; i < 1000 && c.out.length === 0 && failed === undefined; i++)
    await new Promise((r) => setTimeout(r, 10))
  if (failed !== undefined) throw failed
  const url = /listening on (\S+)/.exec(c.out[0] ?? '')?.[1] ?? ''
  return {
    url,
    out: c.out,
    err: c.err,
    async stop() {
      stopper.abort()
      return running
    },
  }
}

/** `did create` against `plc`, returning the new DID (keys saved in `out`). */
async function createDid(plc: string, out: string, handle = 'alice.test'): Promise<string> {
  const { ctx, out: lines } = context([
    'create',
    '--handle',
    handle,
    '--pds',
    'https://pds.test',
    '--plc',
    plc,
    '--out',
    out,
  ])
  expect(await didCommand.run(ctx)).toBe(0)
  return lines[0]
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** A DID's genesis and `n` handle updates, signed by its one rotation key. */
async function opChain(n: number): Promise<{ did: string; ops: PlcOp[] }> {
  const key = await Secp256k1Keypair.create()
  const { did, op } = await createGenesisOp(
    { rotationKeys: [key.did()], signingKey: key.did(), handle: 'busy.test', pds: 'https://pds.test' },
    key,
  )
  const ops: PlcOp[] = [op]
  for (let i = 1; i <= n; i++) ops.push(await updateHandleOp(ops[i - 1], key, `busy${i}.test`))
  return { did, ops }
}

const postOp = (url: string, did: string, op: unknown) =>
  fetch(`${url}/${encodeURIComponent(did)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(op),
  })

describe('welkin plc and welkin did', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'welkin-plc-cli-'))
  const stop = new AbortController()
  let url: string
  let running: Promise<number>
  let plcOut: string[]

  beforeAll(async () => {
    const c = context(['--port', '0', '--data', join(tmp, 'data')], stop.signal)
    plcOut = c.out
    running = plcCommand.run(c.ctx)
    for (let i = 0; i < 200 && plcOut.length === 0; i++) await new Promise((r) => setTimeout(r, 10))
    url = /listening on (\S+)/.exec(plcOut[0] ?? '')?.[1] ?? ''
  })

  afterAll(() => rmSync(tmp, { recursive: true, force: true }))

  it('serves on the printed URL', async () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(plcOut[0]).toContain('plc.sqlite')
    expect((await fetch(`${url}/_health`)).status).toBe(200)
  })

  it('creates a DID, saving its keys to a private file', async () => {
    const { ctx, out } = context([
      'create',
      '--handle',
      'Alice.test',
      '--pds',
      'https://pds.test',
      '--plc',
      url,
      '--out',
      tmp,
    ])
    expect(await didCommand.run(ctx)).toBe(0)
    const [did, saved] = out
    expect(did).toMatch(/^did:plc:[a-z2-7]{24}$/)
    const file = saved.replace('keys saved to ', '')
    expect(statSync(file).mode & 0o777).toBe(0o600)
    const keys = JSON.parse(readFileSync(file, 'utf8'))
    expect(keys.did).toBe(did)
    const rotation = await Secp256k1Keypair.import(keys.rotationKey.privateKeyHex)
    expect(rotation.did()).toBe(keys.rotationKey.did)

    const resolved = context(['resolve', did, '--plc', url])
    expect(await didCommand.run(resolved.ctx)).toBe(0)
    expect(JSON.parse(resolved.out[0]).alsoKnownAs).toEqual(['at://alice.test'])
    // alice.test does not resolve back on this machine, so the handle is not verified.
    expect(resolved.out.join('\n')).toContain('none verified (the document claims alice.test')

    const log = context(['log', did, '--plc', url])
    expect(await didCommand.run(log.ctx)).toBe(0)
    expect(log.out).toHaveLength(1)
    expect(log.out[0]).toContain('handle=alice.test')
    expect(log.err.join()).toContain('verified: 1 ops')
  })

  it('refuses bad arguments and reports directory refusals', async () => {
    await expect(
      didCommand.run(context(['create', '--handle', 'nope', '--pds', 'https://p.test']).ctx),
    ).rejects.toThrow(/--handle/)
    await expect(
      didCommand.run(context(['create', '--handle', 'a.test', '--pds', 'p.test']).ctx),
    ).rejects.toThrow(/--pds/)
    await expect(didCommand.run(context(['log', 'did:web:x.com']).ctx)).rejects.toThrow(/did:plc/)
    await expect(didCommand.run(context(['frob']).ctx)).rejects.toThrow(/unknown subcommand/)
    await expect(
      didCommand.run(context(['resolve', 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa', '--plc', url]).ctx),
    ).rejects.toThrow(/not found/)
    await expect(
      didCommand.run(context(['log', 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa', '--plc', url]).ctx),
    ).rejects.toThrow(/not registered/)
    await expect(plcCommand.run(context(['--port', '99999']).ctx)).rejects.toThrow(/--port/)
    await expect(
      plcCommand.run(context(['--data', join(tmp, 'x'), '--db', TEST_PG_URL]).ctx),
    ).rejects.toBeInstanceOf(UsageError)
    await expect(plcCommand.run(context(['--db', 'mysql://x']).ctx)).rejects.toThrow(/postgres/)
    for (const bad of [
      ['--post-rate=-1'],
      ['--post-rate', 'x'],
      ['--post-rate', '1.5'],
      ['--op-limits', '1,2'],
      ['--op-limits', 'no'],
    ])
      await expect(plcCommand.run(context(bad).ctx), bad.join(' ')).rejects.toBeInstanceOf(UsageError)
    await expect(
      didCommand.run(context(['resolve', 'alice.test', '--dns', 'not-an-ip']).ctx),
    ).rejects.toBeInstanceOf(UsageError)
  })

  it('leaves no key file behind when the directory is unreachable', async () => {
    const out = mkdtempSync(join(tmp, 'keys-'))
    const port = await closedPort()
    await expect(
      didCommand.run(
        context([
          'create',
          '--handle',
          'a.test',
          '--pds',
          'https://p.test',
          '--plc',
          `http://127.0.0.1:${port}`,
          '--out',
          out,
        ]).ctx,
      ),
    ).rejects.toThrow(/cannot reach the directory/)
    expect(readdirSync(out)).toEqual([])
  })

  it('leaves no key file behind when the directory refuses the genesis op', async () => {
    // A real directory whose per-client bucket holds one POST: the junk POST below spends it.
    const store = await openPlcStore({})
    const refusing = await startPlcServer(new PlcDirectory(store), {
      port: 0,
      postRateLimit: { perSecond: 0.001, burst: 1 },
    })
    try {
      expect((await postOp(refusing.url, 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa', {})).status).toBe(400)
      const out = mkdtempSync(join(tmp, 'keys-'))
      await expect(
        didCommand.run(
          context([
            'create',
            '--handle',
            'a.test',
            '--pds',
            'https://p.test',
            '--plc',
            refusing.url,
            '--out',
            out,
          ]).ctx,
        ),
      ).rejects.toThrow(/refused the genesis op \(HTTP 429\)/)
      expect(readdirSync(out)).toEqual([])
      expect(await store.exportBySeq(0, 10)).toEqual([])
    } finally {
      await refusing.close()
      await store.close()
    }
  })

  it('resolves a handle through --dns and prints it verified both ways', async () => {
    const out = mkdtempSync(join(tmp, 'keys-'))
    const did = await createDid(url, out)
    const dns: DnsTestServer = await startDnsTestServer({ '_atproto.alice.test': { txt: [[`did=${did}`]] } })
    try {
      for (const input of ['alice.test', '@Alice.test', did]) {
        const r = context(['resolve', input, '--plc', url, '--dns', dns.address])
        expect(await didCommand.run(r.ctx), input).toBe(0)
        const text = r.out.join('\n')
        expect(text, input).toContain(`did:          ${did}`)
        expect(text, input).toContain('handle:       alice.test (verified both ways)')
        expect(text, input).not.toContain('warning')
      }
      const json = context(['resolve', 'alice.test', '--plc', url, '--dns', dns.address, '--json'])
      expect(await didCommand.run(json.ctx)).toBe(0)
      expect(JSON.parse(json.out[0])).toMatchObject({
        did,
        handle: 'alice.test',
        claimedHandle: 'alice.test',
      })
      // A handle whose record names another DID: that DID's claim is not verified.
      dns.zone.set('_atproto.alice.test', { txt: [['did=did:plc:aaaaaaaaaaaaaaaaaaaaaaaa']] })
      const other = context(['resolve', did, '--plc', url, '--dns', dns.address])
      expect(await didCommand.run(other.ctx)).toBe(0)
      expect(other.out.join('\n')).toContain('none verified (the document claims alice.test')
    } finally {
      await dns.close()
    }
  })

  it('--op-limits off and --post-rate 0 turn the write limits off', async () => {
    const plc = await startPlc(['--data', join(tmp, 'unlimited'), '--op-limits', 'off', '--post-rate', '0'])
    try {
      expect(plc.err.join('\n')).toContain('limits: no per-client POST limit; no per-DID op limit')
      // The default caps refuse the 11th op of a DID within an hour; here all 15 go in.
      const { did, ops } = await opChain(14)
      for (const op of ops) {
        const res = await postOp(plc.url, did, op)
        expect(res.status, await res.text()).toBe(200)
      }
    } finally {
      expect(await plc.stop()).toBe(0)
    }
  })

  it('--op-limits H,D,W and --post-rate N set the limits', async () => {
    const plc = await startPlc(['--data', join(tmp, 'tight'), '--op-limits', '2,0,0', '--post-rate', '1'])
    try {
      expect(plc.err.join('\n')).toContain('limits: 1 POSTs/s per client (burst 5); ops per DID 2/hour')
      const { did, ops } = await opChain(2)
      expect((await postOp(plc.url, did, ops[0])).status).toBe(200)
      expect((await postOp(plc.url, did, ops[1])).status).toBe(200)
      const third = await postOp(plc.url, did, ops[2])
      expect(third.status).toBe(429)
      expect((await third.json()).message).toContain('2 operations per hour')
      // The bucket held 5 and refills at 1/s: 20 POSTs at once cannot all get through.
      const burst = await Promise.all(
        Array.from({ length: 20 }, async () => {
          const res = await postOp(plc.url, 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa', {}).catch(() => undefined)
          return res ? { status: res.status, body: await res.text().catch(() => '') } : undefined
        }),
      )
      const limited = burst.filter((r) => r?.status === 429)
      expect(limited.length).toBeGreaterThanOrEqual(5)
      expect(limited[0]?.body).toContain('too many requests')
    } finally {
      expect(await plc.stop()).toBe(0)
    }
  })

  it('stops within a second or two when the signal fires', async () => {
    const started = Date.now()
    stop.abort()
    expect(await running).toBe(0)
    expect(Date.now() - started).toBeLessThan(2000)
    await expect(fetch(`${url}/_health`)).rejects.toThrow()
  })
})

const pgUp = await postgresAvailable()

describe.skipIf(!pgUp)('welkin plc --db postgres://', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'welkin-plc-pg-'))
  let schema: string | undefined

  afterAll(async () => {
    if (schema) await postgresBackend.destroy(schema)
    rmSync(tmp, { recursive: true, force: true })
  })

  it('serves from a PostgreSQL schema: did create and did log round trip', async () => {
    schema = await postgresBackend.fresh()
    const plc = await startPlc(['--db', TEST_PG_URL, '--db-schema', schema])
    try {
      expect(plc.out[0]).toContain(`(postgres (${schema}))`)
      expect(plc.out[0]).not.toContain('sqlite')
      const did = await createDid(plc.url, tmp, 'pg.test')
      const log = context(['log', did, '--plc', plc.url])
      expect(await didCommand.run(log.ctx)).toBe(0)
      expect(log.out).toHaveLength(1)
      expect(log.out[0]).toContain('handle=pg.test')
      expect(log.err.join()).toContain('verified: 1 ops')
    } finally {
      expect(await plc.stop()).toBe(0)
    }
    // The op was stored in that schema.
    const store = await postgresBackend.open(schema)
    try {
      expect((await store.exportBySeq(0, 10)).map((o) => o.operation.type)).toEqual(['plc_operation'])
    } finally {
      await store.close()
    }
  })
})

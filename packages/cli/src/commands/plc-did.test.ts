// The `welkin plc` and `welkin did` commands end to end, on loopback. (They live in
// packages/cli; this test sits here with the directory it drives.)
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Secp256k1Keypair } from '@welkin/crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CommandContext } from '../command.js'
import { didCommand } from './did.js'
import { plcCommand } from './plc.js'

function context(argv: string[], signal = new AbortController().signal) {
  const out: string[] = []
  const err: string[] = []
  const ctx: CommandContext = { argv, out: (l) => out.push(l), err: (l) => err.push(l), signal }
  return { ctx, out, err }
}

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
  })

  it('stops within a second or two when the signal fires', async () => {
    const started = Date.now()
    stop.abort()
    expect(await running).toBe(0)
    expect(Date.now() - started).toBeLessThan(2000)
    await expect(fetch(`${url}/_health`)).rejects.toThrow()
  })
})

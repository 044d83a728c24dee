// `welkin pds` as an operator runs it: a process configured only by the official PDS_*
// environment variables, registering accounts with an in-process Welkin PLC, driven by the
// official client (@atproto/api), stopped by signals and restarted on the same data.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AtpAgent } from '@atproto/api'
import { openPlcStore, PlcDirectory, type PlcServer, startPlcServer } from '@welkin/plc'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { killStragglers, spawnWelkin, type WelkinProcess } from '../testing/cli-process.js'

const dir = mkdtempSync(join(tmpdir(), 'welkin-cli-pds-'))
let plc: PlcServer

beforeAll(async () => {
  plc = await startPlcServer(new PlcDirectory(await openPlcStore({})), { port: 0 })
})
afterAll(async () => {
  await killStragglers()
  await plc?.close()
  rmSync(dir, { recursive: true, force: true })
})

async function freePort(): Promise<number> {
  const srv = createServer()
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  const { port } = srv.address() as { port: number }
  await new Promise<void>((r) => srv.close(() => r()))
  return port
}

/** This process's environment without any PDS_* variable, plus the given ones. */
function pdsEnv(vars: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PDS_')))
  return { ...env, ...vars }
}

async function startPds(env: NodeJS.ProcessEnv): Promise<{ proc: WelkinProcess; url: string }> {
  const proc = spawnWelkin(['pds'], { env })
  const [, url] = await proc.waitFor(/welkin pds listening on (http:\/\/\S+)/, 60_000)
  // The last line of the start-up notes; stdout may arrive in several chunks on a loaded machine.
  await proc.waitFor(/PLC directory \S+; secrets in /, 10_000)
  return { proc, url }
}

/** Waits until stderr matches: it is a separate pipe, so it can trail stdout. */
async function stderrMatches(proc: WelkinProcess, pattern: RegExp, ms = 10_000): Promise<string> {
  const deadline = Date.now() + ms
  while (!pattern.test(proc.stderr()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
  return proc.stderr()
}

/** Every file name under `root`, recursively. */
function filesUnder(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => e.name)
}

// A 1x1 PNG, so the blob is sniffed as the image the profile's avatar must be.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
)

describe('welkin pds process', { timeout: 60_000 }, () => {
  const dataDir = join(dir, 'pds')
  const blobDir = join(dir, 'blobstore')
  let env: NodeJS.ProcessEnv
  let pds: { proc: WelkinProcess; url: string }
  let agent: AtpAgent
  let did: string
  let accessJwt: string
  let postUri: string
  let blobCid: string
  let secretsAtStart: string

  it('starts from the official environment variables, generating its JWT secret', async () => {
    env = pdsEnv({
      PDS_PORT: String(await freePort()),
      PDS_HOSTNAME: 'localhost',
      PDS_DATA_DIRECTORY: dataDir,
      PDS_BLOBSTORE_DISK_LOCATION: blobDir,
      PDS_DID_PLC_URL: plc.url,
      PDS_SERVICE_HANDLE_DOMAINS: '.test',
      PDS_INVITE_REQUIRED: 'false',
      PDS_DEV_MODE: 'true',
      PDS_ADMIN_PASSWORD: 'admin-password-for-tests',
    })
    pds = await startPds(env)
    expect(pds.url).toBe(`http://127.0.0.1:${env.PDS_PORT}`)
    expect(pds.proc.stdout()).toContain(`public URL http://localhost:${env.PDS_PORT}`)
    expect(pds.proc.stdout()).toContain(`PLC directory ${plc.url}`)
    expect(await stderrMatches(pds.proc, /generated .*jwtSecret/)).toMatch(/generated .*jwtSecret/)
    secretsAtStart = readFileSync(join(dataDir, 'secrets.json'), 'utf8')
    const secrets = JSON.parse(secretsAtStart)
    expect(secrets.jwtSecret).toBeTypeOf('string')
    expect(secrets.adminPassword).toBeUndefined() // given by the environment, so not stored

    const health = await fetch(`${pds.url}/xrpc/_health`)
    expect(health.status).toBe(200)
    agent = new AtpAgent({ service: pds.url })
    const { data } = await agent.com.atproto.server.describeServer()
    expect(data.availableUserDomains).toEqual(['.test'])
    expect(data.inviteCodeRequired).toBe(false)
    expect(data.did).toBe('did:web:localhost')
  })

  it('creates an account, a post and a profile whose avatar lands in the blobstore', async () => {
    const created = await agent.createAccount({
      handle: 'alice.test',
      email: 'alice@example.com',
      password: 'alice password',
    })
    did = created.data.did
    accessJwt = created.data.accessJwt
    expect(did).toMatch(/^did:plc:/)
    // The account's DID was registered with the PLC named by PDS_DID_PLC_URL.
    expect((await fetch(`${plc.url}/${did}`)).status).toBe(200)

    const post = await agent.post({
      text: 'hello from a welkin pds process',
      createdAt: new Date().toISOString(),
    })
    postUri = post.uri
    const upload = await agent.uploadBlob(PNG, { encoding: 'image/png' })
    blobCid = upload.data.blob.ref.toString()
    await agent.com.atproto.repo.putRecord({
      repo: did,
      collection: 'app.bsky.actor.profile',
      rkey: 'self',
      record: { $type: 'app.bsky.actor.profile', displayName: 'Alice', avatar: upload.data.blob },
    })
    expect(filesUnder(blobDir)).toContain(blobCid)
    expect(filesUnder(dataDir)).not.toContain(blobCid)

    const admin = await fetch(`${pds.url}/xrpc/com.atproto.admin.getAccountInfo?did=${did}`, {
      headers: { authorization: `Basic ${Buffer.from('admin:admin-password-for-tests').toString('base64')}` },
    })
    expect(admin.status).toBe(200)
    expect(((await admin.json()) as { handle: string }).handle).toBe('alice.test')
  })

  it('stops on SIGTERM, and restarted on the same data keeps secret, session, account and records', async () => {
    const stopped = await pds.proc.stop('SIGTERM')
    expect(stopped.code, pds.proc.stderr()).toBe(0)
    expect(stopped.ms).toBeLessThan(10_000)
    expect(pds.proc.stderr()).toContain('welkin pds stopped')
    // Shut down, not just gone: the last connection to close folds the WAL back and removes it.
    expect(existsSync(join(dataDir, 'pds.sqlite-wal'))).toBe(false)
    await expect(fetch(`${pds.url}/xrpc/_health`)).rejects.toThrow()

    pds = await startPds(env)
    expect(pds.proc.stderr()).not.toMatch(/generated/)
    expect(readFileSync(join(dataDir, 'secrets.json'), 'utf8')).toBe(secretsAtStart)
    // The access token issued before the restart is still signed by a secret the server knows.
    const session = await fetch(`${pds.url}/xrpc/com.atproto.server.getSession`, {
      headers: { authorization: `Bearer ${accessJwt}` },
    })
    expect(session.status).toBe(200)
    expect(await session.json()).toMatchObject({ did, handle: 'alice.test' })

    const reader = new AtpAgent({ service: pds.url })
    const [, , rkey] = postUri.replace('at://', '').split('/')
    const post = await reader.com.atproto.repo.getRecord({
      repo: did,
      collection: 'app.bsky.feed.post',
      rkey,
    })
    expect((post.data.value as { text: string }).text).toBe('hello from a welkin pds process')
    const blob = await fetch(`${pds.url}/xrpc/com.atproto.sync.getBlob?did=${did}&cid=${blobCid}`)
    expect(blob.status).toBe(200)
    expect(Buffer.from(await blob.arrayBuffer())).toEqual(PNG)

    const again = await pds.proc.stop('SIGINT')
    expect(again.code, pds.proc.stderr()).toBe(0)
    expect(again.ms).toBeLessThan(10_000)
  })

  it('refuses createAccount without an invite code when PDS_INVITE_REQUIRED=true', async () => {
    const strict = await startPds({
      ...env,
      PDS_PORT: String(await freePort()),
      PDS_DATA_DIRECTORY: join(dir, 'strict'),
      PDS_BLOBSTORE_DISK_LOCATION: join(dir, 'strict-blobs'),
      PDS_INVITE_REQUIRED: 'true',
    })
    const described = await fetch(`${strict.url}/xrpc/com.atproto.server.describeServer`)
    expect(((await described.json()) as { inviteCodeRequired: boolean }).inviteCodeRequired).toBe(true)
    const refused = await fetch(`${strict.url}/xrpc/com.atproto.server.createAccount`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ handle: 'bob.test', email: 'bob@example.com', password: 'bob password' }),
    })
    expect(refused.status).toBe(400)
    expect(await refused.json()).toMatchObject({ error: 'InvalidInviteCode', message: expect.any(String) })
    expect((await strict.proc.stop('SIGTERM')).code).toBe(0)
  })
})

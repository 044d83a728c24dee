// The official PDS (@atproto/pds 0.4.x) in a child process on loopback, in dev mode, with a
// temporary data directory and an on-disk blobstore, registering accounts in the given PLC
// directory. Tests create accounts on it through the official client (see accounts.ts).
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startChildService } from './child-service.js'
import { k256PrivateKeyHex, randomSecret } from './secrets.js'
import { waitForHealth } from './wait-for-health.js'

export interface OfficialPdsOptions {
  /** The PLC directory accounts are registered in, e.g. from startOfficialPlc(). */
  plcUrl: string
  /** Loopback port; a free one when omitted. */
  port?: number
  /** The PDS's hostname; its public URL is http://localhost:port only for 'localhost' (the default). */
  hostname?: string
  /** Handle suffixes the PDS hands out, each starting with a dot; ['.test'] by default. */
  handleDomains?: string[]
  /** Relay hosts the PDS asks to crawl it (com.atproto.sync.requestCrawl). */
  crawlers?: string[]
  /** Kept after close when given; otherwise a temporary directory removed on close. */
  dataDir?: string
  /** Forward the PDS's output (and enable its logger) to stderr. */
  log?: boolean
}

export interface OfficialPds {
  /** Where this machine reaches the PDS: http://localhost:port. */
  url: string
  /** The URL the PDS puts in DID documents (equals url for hostname 'localhost'). */
  publicUrl: string
  port: number
  /** Process id of the child running the PDS. */
  pid: number
  /** The service DID, did:web:<hostname>. */
  did: string
  /** The PLC directory it registers accounts in. */
  plcUrl: string
  handleDomains: string[]
  adminPassword: string
  dataDir: string
  close(): Promise<void>
}

const script = fileURLToPath(new URL('./child/pds.mjs', import.meta.url))

export async function startOfficialPds(opts: OfficialPdsOptions): Promise<OfficialPds> {
  const name = 'official PDS'
  const hostname = opts.hostname ?? 'localhost'
  const handleDomains = opts.handleDomains ?? ['.test']
  const ownsDataDir = opts.dataDir === undefined
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'welkin-official-pds-')))
  await mkdir(dataDir, { recursive: true })
  const adminPassword = randomSecret(16)
  const env = pdsEnv({ ...opts, hostname, handleDomains, dataDir, adminPassword })
  if (ownsDataDir) env.INTEROP_REMOVE_ON_EXIT = dataDir

  const removeDataDir = async () => {
    if (ownsDataDir) await rm(dataDir, { recursive: true, force: true })
  }
  let child: Awaited<ReturnType<typeof startChildService>>
  try {
    child = await startChildService({ name, script, env, log: opts.log })
  } catch (err) {
    await removeDataDir()
    throw err
  }
  const close = async () => {
    await child.close()
    await removeDataDir()
  }
  const url = `http://localhost:${child.port}`
  try {
    await waitForHealth(name, `${url}/xrpc/_health`)
  } catch (err) {
    await close()
    throw err
  }
  return {
    url,
    publicUrl: hostname === 'localhost' ? url : `https://${hostname}`,
    port: child.port,
    pid: child.pid,
    did: `did:web:${hostname}`,
    plcUrl: opts.plcUrl,
    handleDomains,
    adminPassword,
    dataDir,
    close,
  }
}

interface EnvInput extends OfficialPdsOptions {
  hostname: string
  handleDomains: string[]
  dataDir: string
  adminPassword: string
}

function pdsEnv(input: EnvInput): Record<string, string> {
  const env: Record<string, string> = {
    PDS_HOSTNAME: input.hostname,
    PDS_PORT: String(input.port ?? 0),
    PDS_DEV_MODE: 'true',
    PDS_DATA_DIRECTORY: input.dataDir,
    PDS_BLOBSTORE_DISK_LOCATION: join(input.dataDir, 'blobs'),
    PDS_BLOBSTORE_DISK_TMP_LOCATION: join(input.dataDir, 'blobs-tmp'),
    PDS_DID_PLC_URL: input.plcUrl,
    PDS_SERVICE_HANDLE_DOMAINS: input.handleDomains.join(','),
    PDS_INVITE_REQUIRED: 'false',
    PDS_RATE_LIMITS_ENABLED: 'false',
    PDS_JWT_SECRET: randomSecret(),
    PDS_ADMIN_PASSWORD: input.adminPassword,
    PDS_PLC_ROTATION_KEY_K256_PRIVATE_KEY_HEX: k256PrivateKeyHex(),
    LOG_ENABLED: input.log ? 'true' : 'false',
  }
  if (input.crawlers?.length) env.PDS_CRAWLERS = input.crawlers.join(',')
  return env
}

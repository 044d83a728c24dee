// Accounts and records on the official PDS, written through the official client (AtpAgent),
// so what lands in the repo is exactly what the reference implementation produces.
import { randomBytes } from 'node:crypto'
import { AtpAgent } from '@atproto/api'
import { OfficialCallError } from './errors.js'
import { solidPng } from './tiny-png.js'

export interface PdsEndpoint {
  url: string
  handleDomains: string[]
}

export interface OfficialAccount {
  did: string
  handle: string
  email: string
  password: string
  /** Logged in as this account. */
  agent: AtpAgent
}

export interface WrittenRecord {
  uri: string
  cid: string
  collection: string
  rkey: string
}

/** A new account with a handle `<name><first handle domain>`, e.g. alice-3f9a.test. */
export async function createAccount(
  pds: PdsEndpoint,
  opts: { name?: string; password?: string } = {},
): Promise<OfficialAccount> {
  const name = opts.name ?? `u${randomBytes(5).toString('hex')}`
  const handle = `${name}${pds.handleDomains[0] ?? '.test'}`
  const email = `${name}@example.com`
  const password = opts.password ?? randomBytes(12).toString('base64url')
  const agent = new AtpAgent({ service: pds.url })
  const res = await agent.createAccount({ handle, email, password })
  return { did: res.data.did, handle: res.data.handle, email, password, agent }
}

export async function writeRecord(
  account: OfficialAccount,
  collection: string,
  record: Record<string, unknown>,
  rkey?: string,
): Promise<WrittenRecord> {
  const input = { repo: account.did, collection, record: { $type: collection, ...record } }
  const res = rkey
    ? await account.agent.com.atproto.repo.putRecord({ ...input, rkey })
    : await account.agent.com.atproto.repo.createRecord(input)
  return { uri: res.data.uri, cid: res.data.cid, collection, rkey: rkeyOf(res.data.uri) }
}

/**
 * Creates records in commits of up to `perCommit` writes (com.atproto.repo.applyWrites):
 * far faster than one commit each, and a repo's CAR only shows the latest state anyway.
 */
export async function writeRecords(
  account: OfficialAccount,
  collection: string,
  records: Record<string, unknown>[],
  perCommit = 25,
): Promise<WrittenRecord[]> {
  const out: WrittenRecord[] = []
  for (let i = 0; i < records.length; i += perCommit) {
    const writes = records.slice(i, i + perCommit).map((record) => ({
      $type: 'com.atproto.repo.applyWrites#create' as const,
      collection,
      value: { $type: collection, ...record },
    }))
    const res = await account.agent.com.atproto.repo.applyWrites({ repo: account.did, writes })
    const results = res.data.results ?? []
    if (results.length !== writes.length)
      throw new OfficialCallError(
        `applyWrites returned ${results.length} results for ${writes.length} writes`,
      )
    for (const result of results) {
      if (!('uri' in result) || typeof result.cid !== 'string')
        throw new OfficialCallError(
          `applyWrites returned a result without uri/cid: ${JSON.stringify(result)}`,
        )
      out.push({ uri: result.uri, cid: result.cid, collection, rkey: rkeyOf(result.uri) })
    }
  }
  return out
}

export function writePosts(account: OfficialAccount, count: number): Promise<WrittenRecord[]> {
  const posts = Array.from({ length: count }, (_, i) => ({
    text: `post ${i} from ${account.handle} — ünïcödé ✓`,
    createdAt: now(),
    langs: ['en'],
  }))
  return writeRecords(account, 'app.bsky.feed.post', posts)
}

export function writeLikes(
  account: OfficialAccount,
  subjects: { uri: string; cid: string }[],
): Promise<WrittenRecord[]> {
  const likes = subjects.map(({ uri, cid }) => ({ subject: { uri, cid }, createdAt: now() }))
  return writeRecords(account, 'app.bsky.feed.like', likes)
}

export function writeFollows(account: OfficialAccount, dids: string[]): Promise<WrittenRecord[]> {
  return writeRecords(
    account,
    'app.bsky.graph.follow',
    dids.map((subject) => ({ subject, createdAt: now() })),
  )
}

/** The profile record (rkey 'self'), with an uploaded PNG avatar blob unless `avatar` is null. */
export async function writeProfile(
  account: OfficialAccount,
  opts: { displayName?: string; description?: string; avatar?: Uint8Array | null } = {},
): Promise<WrittenRecord> {
  const record: Record<string, unknown> = {
    displayName: opts.displayName ?? account.handle,
    description: opts.description ?? 'An account made by the Welkin interop harness.',
  }
  if (opts.avatar !== null) {
    const upload = await account.agent.uploadBlob(opts.avatar ?? solidPng(), { encoding: 'image/png' })
    record.avatar = upload.data.blob
  }
  return writeRecord(account, 'app.bsky.actor.profile', record, 'self')
}

/** com.atproto.sync.getRepo: the whole repository as CAR bytes. */
export async function getRepoCar(pdsUrl: string, did: string): Promise<Uint8Array> {
  const res = await fetch(`${pdsUrl}/xrpc/com.atproto.sync.getRepo?did=${encodeURIComponent(did)}`)
  if (!res.ok)
    throw new OfficialCallError(`getRepo ${did} on ${pdsUrl}: HTTP ${res.status} ${await res.text()}`)
  return new Uint8Array(await res.arrayBuffer())
}

/** com.atproto.sync.getLatestCommit: the repo's current commit CID and revision. */
export async function getLatestCommit(pdsUrl: string, did: string): Promise<{ cid: string; rev: string }> {
  return (await getJson(pdsUrl, 'com.atproto.sync.getLatestCommit', { did })) as { cid: string; rev: string }
}

/**
 * com.atproto.repo.getRecord as raw atproto-JSON ({$link}, {$bytes} kept as on the wire;
 * the AtpAgent would turn them into objects).
 */
export async function getRecordJson(
  pdsUrl: string,
  did: string,
  collection: string,
  rkey: string,
): Promise<{ uri: string; cid: string; value: Record<string, unknown> }> {
  const out = await getJson(pdsUrl, 'com.atproto.repo.getRecord', { repo: did, collection, rkey })
  return out as { uri: string; cid: string; value: Record<string, unknown> }
}

async function getJson(pdsUrl: string, nsid: string, params: Record<string, string>): Promise<unknown> {
  const res = await fetch(`${pdsUrl}/xrpc/${nsid}?${new URLSearchParams(params)}`)
  if (!res.ok) throw new OfficialCallError(`${nsid} on ${pdsUrl}: HTTP ${res.status} ${await res.text()}`)
  return res.json()
}

function rkeyOf(uri: string): string {
  const rkey = uri.split('/').pop()
  if (!rkey) throw new OfficialCallError(`record URI without a record key: ${uri}`)
  return rkey
}

function now(): string {
  return new Date().toISOString()
}

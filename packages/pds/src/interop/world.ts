// Test support for the interop suites (not part of the public API): a PDS on loopback that
// registers DIDs at the PLC directory the test started, accounts signed up through the official
// client, and a raw XRPC call for answers the client would hide.
import { AtpAgent } from '@atproto/api'
import type { PdsEnv } from '../config.js'
import { type CreatePdsOptions, startPds, type TestPds } from '../server.js'

export interface OfficialAccount {
  agent: AtpAgent
  did: string
  handle: string
  password: string
}

export interface World {
  pds: TestPds
  /** The PDS's public URL (what DID documents name), reachable from this process. */
  url: string
  /** Signs up `<name>.test` through com.atproto.server.createAccount with the official client. */
  signUp(name: string): Promise<OfficialAccount>
  close(): Promise<void>
}

export async function startWorld(
  plcUrl: string,
  env: Partial<PdsEnv> = {},
  opts: CreatePdsOptions = {},
): Promise<World> {
  const pds = await startPds({ didPlcUrl: plcUrl, ...env }, opts)
  const url = pds.ctx.config.service.publicUrl
  return {
    pds,
    url,
    async signUp(name) {
      const agent = new AtpAgent({ service: url })
      const handle = `${name}.test`
      const password = `${name} password 1`
      const res = await agent.createAccount({ handle, password, email: `${name}@example.com` })
      return { agent, did: res.data.did, handle, password }
    },
    close: () => pds.cleanup(),
  }
}

export interface RawReply {
  status: number
  headers: Headers
  /** Parsed JSON when the body was JSON, else the bytes. */
  json: { error?: string; message?: string; [k: string]: unknown } | null
  bytes: Uint8Array
}

/** GET (no body) or POST (a JSON value or raw bytes) to `/xrpc/<nsid>`. */
export async function rawXrpc(
  base: string,
  nsid: string,
  init: {
    params?: Record<string, string>
    body?: unknown
    token?: string
    headers?: Record<string, string>
    method?: string
  } = {},
): Promise<RawReply> {
  const url = new URL(`/xrpc/${nsid}`, base)
  for (const [k, v] of Object.entries(init.params ?? {})) url.searchParams.set(k, v)
  const headers: Record<string, string> = { ...init.headers }
  if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`
  let body: Uint8Array<ArrayBuffer> | string | undefined
  if (init.body instanceof Uint8Array) body = new Uint8Array(init.body)
  else if (init.body !== undefined) {
    body = JSON.stringify(init.body)
    headers['content-type'] ??= 'application/json'
  }
  const res = await fetch(url, {
    method: init.method ?? (body === undefined ? 'GET' : 'POST'),
    headers,
    body,
  })
  const bytes = new Uint8Array(await res.arrayBuffer())
  let json: RawReply['json'] = null
  if ((res.headers.get('content-type') ?? '').startsWith('application/json')) {
    json = JSON.parse(new TextDecoder().decode(bytes))
  }
  return { status: res.status, headers: res.headers, json, bytes }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Polls `check` every 20 ms until it holds; fails naming `what` after `timeoutMs`. */
export async function waitUntil(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(20)
  }
}

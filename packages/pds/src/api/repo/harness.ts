// Test support for the repo and sync suites (not part of the public API): a real PDS on
// loopback (port 0, temporary data directory) registering DIDs at the PLC directory the test
// started, and accounts driven through the official client.
import { AtpAgent } from '@atproto/api'
import type { PdsEnv } from '../../config.js'
import { type CreatePdsOptions, startPds, type TestPds } from '../../server.js'

export interface TestAccount {
  agent: AtpAgent
  did: string
  handle: string
  password: string
  accessJwt: string
}

export interface Harness {
  pds: TestPds
  url: string
  /** Signs up through `com.atproto.server.createAccount` with the official client. */
  account(name: string): Promise<TestAccount>
  close(): Promise<void>
}

export async function startHarness(
  plcUrl: string,
  env: Partial<PdsEnv> = {},
  opts: CreatePdsOptions = {},
): Promise<Harness> {
  const pds = await startPds({ didPlcUrl: plcUrl, ...env }, opts)
  return {
    pds,
    url: pds.url,
    async account(name) {
      const agent = new AtpAgent({ service: pds.url })
      const handle = `${name}.test`
      const password = `${name}-password`
      const res = await agent.createAccount({ handle, password, email: `${name}@example.com` })
      return { agent, did: res.data.did, handle, password, accessJwt: res.data.accessJwt }
    },
    close: () => pds.cleanup(),
  }
}

/** A raw XRPC call for error paths: status and parsed JSON body. */
export async function xrpc(
  url: string,
  nsid: string,
  init: {
    query?: Record<string, string | string[]>
    body?: unknown
    token?: string
    headers?: Record<string, string>
  } = {},
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON came back
): Promise<{ status: number; body: any; headers: Headers }> {
  const u = new URL(`/xrpc/${nsid}`, url)
  for (const [k, v] of Object.entries(init.query ?? {})) {
    for (const one of [v].flat()) u.searchParams.append(k, one)
  }
  const headers: Record<string, string> = { ...init.headers }
  if (init.token) headers.authorization = `Bearer ${init.token}`
  let body: BodyInit | undefined
  if (init.body instanceof Uint8Array) body = init.body as Uint8Array<ArrayBuffer>
  else if (init.body !== undefined) {
    body = JSON.stringify(init.body)
    headers['content-type'] ??= 'application/json'
  }
  const res = await fetch(u, { method: init.body === undefined ? 'GET' : 'POST', headers, body })
  const text = await res.text()
  let parsed: unknown = text
  try {
    parsed = JSON.parse(text)
  } catch {
    // not JSON: the raw text stays
  }
  return { status: res.status, body: parsed, headers: res.headers }
}

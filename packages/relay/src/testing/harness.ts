// Test support: a relay over a temporary data directory, configured for loopback hosts, and
// small HTTP helpers to call it.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type RelayConfig, resolveRelayConfig } from '../config.js'
import { silentLogger } from '../logger.js'
import { type CreateRelayOptions, createRelay, type Relay } from '../relay.js'

export function tempDir(prefix = 'welkin-relay-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix))
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) }
}

export const ADMIN_PASSWORD = 'relay-test-admin'

export async function startTestRelay(
  plcUrl: string,
  dataDir: string,
  overrides: Partial<RelayConfig> = {},
  opts: CreateRelayOptions = {},
): Promise<Relay> {
  const config = resolveRelayConfig(
    {},
    {
      port: 0,
      dataDir,
      plcUrl,
      allowLoopback: true,
      adminPassword: ADMIN_PASSWORD,
      verifyWorkers: 0,
      flushIntervalMs: 50,
      newHostLimits: { accountLimit: 1000, eventsPerSecond: 10_000 },
      ...overrides,
    },
  )
  return createRelay(config, {
    logger: silentLogger,
    reconnect: { minDelayMs: 20, maxDelayMs: 300 },
    ...opts,
  })
}

export async function xrpcGet(
  base: string,
  nsid: string,
  params: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const url = new URL(`/xrpc/${nsid}`, base)
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v)
  const res = await fetch(url, { redirect: 'manual' })
  const text = await res.text()
  let body: Record<string, unknown> = {}
  try {
    body = text ? JSON.parse(text) : {}
  } catch {}
  return { status: res.status, body, headers: res.headers }
}

export async function post(
  base: string,
  path: string,
  body: unknown,
  auth?: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (auth !== undefined) headers.authorization = `Basic ${Buffer.from(`admin:${auth}`).toString('base64')}`
  const res = await fetch(new URL(path, base), { method: 'POST', headers, body: JSON.stringify(body) })
  const text = await res.text()
  return { status: res.status, body: text ? JSON.parse(text) : {} }
}

export function requestCrawl(
  relay: Relay,
  hostname: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  return post(relay.url, '/xrpc/com.atproto.sync.requestCrawl', { hostname })
}

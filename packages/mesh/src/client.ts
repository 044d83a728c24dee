// A client of the node's HTTP API, used by `welkin mesh put|get`. For user-space souls it
// signs on the client side: it reads the soul's current states, picks a state above them
// (and not behind its own clock), and signs each property over @welkin/graph's payload.
import { base64Encode } from '@welkin/data'
import { type AsyncSigner, isUserSpace, signingPayload, stateFromWall, type Value } from '@welkin/graph'
import { MeshApiError } from './errors.js'
import type { SoulView } from './node.js'

export interface MeshApiClientOptions {
  /** Per-request timeout (default 15,000 ms). */
  timeoutMs?: number
}

export interface MeshInfo {
  peerId: string
  multiaddrs: string[]
  peers: string[]
}

export class MeshApiClient {
  readonly base: string
  private readonly timeoutMs: number

  constructor(baseUrl: string, opts: MeshApiClientOptions = {}) {
    let url: URL
    try {
      url = new URL(baseUrl)
    } catch {
      throw new MeshApiError(0, 'InvalidUrl', `not a URL: ${baseUrl}`)
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new MeshApiError(0, 'InvalidUrl', `the API URL must be http(s): ${baseUrl}`)
    this.base = url.origin + url.pathname.replace(/\/+$/, '')
    this.timeoutMs = opts.timeoutMs ?? 15_000
  }

  info(): Promise<MeshInfo> {
    return this.call('GET', '/v1/info') as Promise<MeshInfo>
  }

  /** The soul, or null when the node does not know it. */
  async get(soul: string): Promise<SoulView | null> {
    try {
      return (await this.call('GET', this.soulPath(soul))) as SoulView
    } catch (err) {
      if (err instanceof MeshApiError && err.status === 404) return null
      throw err
    }
  }

  /** Writes properties; user-space souls need the owner's key as `signer`. */
  async put(soul: string, props: Record<string, Value>, signer?: AsyncSigner): Promise<unknown> {
    if (!isUserSpace(soul)) return this.call('PUT', this.soulPath(soul), props)
    if (signer === undefined)
      throw new MeshApiError(0, 'KeyRequired', `writing ${soul} needs the key of its owner (--key)`)
    const current = await this.get(soul)
    const newest = Math.max(0, ...Object.values(current?.state ?? {}))
    const state = Math.max(stateFromWall(Date.now()), newest + 1)
    const sigs: Record<string, string> = {}
    for (const [prop, value] of Object.entries(props))
      sigs[prop] = base64Encode(await signer.sign(signingPayload(soul, prop, value, state)))
    return this.call('PUT', this.soulPath(soul), { state, props, sigs })
  }

  private soulPath(soul: string): string {
    return `/v1/graph/${encodeURIComponent(soul)}`
  }

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    let res: Response
    try {
      res = await fetch(this.base + path, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      })
    } catch (err) {
      throw new MeshApiError(0, 'Unreachable', `cannot reach ${this.base}: ${(err as Error).message}`)
    }
    const text = await res.text()
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      throw new MeshApiError(res.status, 'BadResponse', `${method} ${path}: not JSON (HTTP ${res.status})`)
    }
    if (!res.ok) {
      const e = json as { error?: string; message?: string }
      throw new MeshApiError(res.status, e.error ?? 'HttpError', e.message ?? `HTTP ${res.status}`)
    }
    return json
  }
}

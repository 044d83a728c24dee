// Handle to DID (handle spec, "Handle Resolution"): a DNS TXT record `did=<did>` at
// `_atproto.<handle>`, and an HTTPS GET of /.well-known/atproto-did on the handle's host. Both
// run in parallel; the DNS answer wins when it exists. Neither result is trusted alone: see
// IdentityResolver for the bidirectional check.
import { Resolver } from 'node:dns/promises'
import { hasDisallowedTld, isValidDid, isValidHandle, normalizeHandle } from '@welkin/syntax'
import { HandleResolutionError } from '../errors.js'
import { type CacheOptions, SwrCache } from './cache.js'
import type { AddressPolicy } from './ip-ranges.js'
import { type SafeFetchOptions, safeFetch } from './safe-fetch.js'

const TXT_PREFIX = 'did='
const MAX_WELL_KNOWN_BYTES = 4096

export interface HandleResolverOptions {
  /** Per method (default 3 s). */
  timeoutMs?: number
  /** DNS servers for the TXT lookup, 'ip' or 'ip:port' (default: the system's). */
  dnsServers?: string[]
  /** Address policy for the well-known fetch (default: public addresses only). */
  webPolicy?: AddressPolicy
  /** Host resolution for the well-known fetch (default: the system resolver). */
  lookup?: SafeFetchOptions['lookup']
  /** Development only: fetch http://<handle>:<port>/... instead of https. */
  insecureHttpPort?: number
  cache?: CacheOptions | false
}

export class HandleResolver {
  readonly #opts: HandleResolverOptions
  readonly #dns: Resolver
  readonly #cache: SwrCache<string> | undefined

  constructor(opts: HandleResolverOptions = {}) {
    this.#opts = opts
    this.#dns = new Resolver({ timeout: opts.timeoutMs ?? 3000, tries: 2 })
    if (opts.dnsServers) this.#dns.setServers(opts.dnsServers)
    this.#cache = opts.cache === false ? undefined : new SwrCache(opts.cache)
  }

  /** The DID the handle claims to be, or null when neither method gives exactly one. */
  async resolve(handle: string, opts: { forceRefresh?: boolean } = {}): Promise<string | null> {
    const normalized = checkHandle(handle)
    if (!this.#cache) return this.resolveNoCache(normalized)
    return this.#cache.get(normalized, () => this.resolveNoCache(normalized), opts)
  }

  async resolveNoCache(handle: string): Promise<string | null> {
    const normalized = checkHandle(handle)
    const http = new AbortController()
    const viaHttp = this.resolveHttp(normalized, http.signal).catch(() => null)
    const viaDns = await this.resolveDns(normalized).catch(() => null)
    if (viaDns) {
      http.abort()
      return viaDns
    }
    return viaHttp
  }

  /** The DID in the `_atproto` TXT record; null when absent or ambiguous (several DIDs). */
  async resolveDns(handle: string): Promise<string | null> {
    let records: string[][]
    try {
      records = await this.#dns.resolveTxt(`_atproto.${checkHandle(handle)}`)
    } catch (err) {
      const code = (err as { code?: string }).code
      if (code === 'ENOTFOUND' || code === 'ENODATA') return null
      throw new HandleResolutionError(handle, `DNS TXT lookup failed: ${(err as Error).message}`, {
        cause: err,
      })
    }
    const dids = new Set(
      records
        .map((chunks) => chunks.join(''))
        .filter((r) => r.startsWith(TXT_PREFIX))
        .map((r) => r.slice(TXT_PREFIX.length).trim()),
    )
    if (dids.size !== 1) return null
    const [did] = dids
    return isValidDid(did) ? did : null
  }

  /** The DID served at /.well-known/atproto-did on the handle's host, or null. */
  async resolveHttp(handle: string, signal?: AbortSignal): Promise<string | null> {
    const host = checkHandle(handle)
    const port = this.#opts.insecureHttpPort
    const url =
      port === undefined
        ? `https://${host}/.well-known/atproto-did`
        : `http://${host}:${port}/.well-known/atproto-did`
    const res = await safeFetch(url, {
      ...this.#opts.webPolicy,
      lookup: this.#opts.lookup,
      timeoutMs: this.#opts.timeoutMs ?? 3000,
      maxBytes: MAX_WELL_KNOWN_BYTES,
      // handle spec: "HTTP redirects (eg, 301, 302) are allowed, up to a reasonable number".
      maxRedirects: 3,
      headers: { accept: 'text/plain' },
      signal,
    })
    if (res.status < 200 || res.status >= 300) return null
    const did = res.body.toString('utf8').trim()
    return isValidDid(did) ? did : null
  }
}

/** A normalized handle that may be resolved; throws for bad syntax or a disallowed TLD. */
export function checkHandle(handle: string): string {
  if (!isValidHandle(handle))
    throw new HandleResolutionError(String(handle).slice(0, 100), 'not a valid handle')
  const normalized = normalizeHandle(handle)
  if (hasDisallowedTld(normalized)) {
    throw new HandleResolutionError(normalized, 'handles under this top-level domain never resolve')
  }
  return normalized
}

// DID resolution for the two blessed methods (did spec, "Blessed DID Methods"): did:plc
// against a configured directory, did:web via /.well-known/did.json on the DID's hostname.
// Documents are checked (shape, and `id` equal to the DID asked for) and cached.
import { hasDisallowedTld, isValidDid, isValidHandle } from '@welkin/syntax'
import {
  type AtprotoIdentityData,
  type DidDocument,
  getAtprotoData,
  parseDidDocument,
} from '../did-document.js'
import { DidResolutionError } from '../errors.js'
import { isPlcDid } from '../plc/chain.js'
import { type CacheOptions, SwrCache } from './cache.js'
import type { AddressPolicy } from './ip-ranges.js'
import { type SafeFetchOptions, safeFetch } from './safe-fetch.js'

export const DEFAULT_PLC_URL = 'https://plc.directory'
const MAX_DOC_BYTES = 128 * 1024
const ACCEPT = 'application/did+ld+json, application/json'

export interface DidResolverOptions {
  /** The did:plc directory. Operator configuration, so it may be on loopback or a private network. */
  plcUrl?: string
  /** Per resolution (default 5 s). */
  timeoutMs?: number
  /** Address policy for did:web hosts, which come from other people's data (default: public only). */
  webPolicy?: AddressPolicy
  /** Host resolution for did:web (default: the system resolver). */
  lookup?: SafeFetchOptions['lookup']
  /** Cache settings, or false for none. */
  cache?: CacheOptions | false
}

export interface ResolveOptions {
  /** Skip the cache (and refresh it). */
  forceRefresh?: boolean
}

export class DidResolver {
  readonly plcUrl: string
  readonly #opts: DidResolverOptions
  readonly #cache: SwrCache<DidDocument> | undefined

  constructor(opts: DidResolverOptions = {}) {
    this.plcUrl = (opts.plcUrl ?? DEFAULT_PLC_URL).replace(/\/+$/, '')
    this.#opts = opts
    this.#cache = opts.cache === false ? undefined : new SwrCache(opts.cache)
  }

  /** The DID document, or null when the DID positively does not exist (or is deactivated). */
  async resolve(did: string, opts: ResolveOptions = {}): Promise<DidDocument | null> {
    if (!isValidDid(did)) throw new DidResolutionError(String(did).slice(0, 100), 'not a valid DID')
    if (!this.#cache) return this.resolveNoCache(did)
    return this.#cache.get(did, () => this.resolveNoCache(did), opts)
  }

  async ensureResolve(did: string, opts: ResolveOptions = {}): Promise<DidDocument> {
    const doc = await this.resolve(did, opts)
    if (!doc) throw new DidResolutionError(did, 'DID not found')
    return doc
  }

  async resolveAtprotoData(did: string, opts: ResolveOptions = {}): Promise<AtprotoIdentityData> {
    return getAtprotoData(await this.ensureResolve(did, opts))
  }

  /** Resolution without the cache: one request to the directory or the did:web host. */
  async resolveNoCache(did: string): Promise<DidDocument | null> {
    if (did.startsWith('did:plc:')) {
      if (!isPlcDid(did)) throw new DidResolutionError(did, 'not a valid did:plc identifier')
      return this.#fetchDoc(did, `${this.plcUrl}/${encodeURIComponent(did)}`, {
        allowLoopback: true,
        allowPrivate: true,
      })
    }
    if (did.startsWith('did:web:')) return this.#fetchDoc(did, webDocUrl(did), this.#opts.webPolicy ?? {})
    throw new DidResolutionError(did, `unsupported DID method (only did:plc and did:web)`)
  }

  async #fetchDoc(did: string, url: string, policy: AddressPolicy): Promise<DidDocument | null> {
    let res: Awaited<ReturnType<typeof safeFetch>>
    try {
      res = await safeFetch(url, {
        ...policy,
        lookup: this.#opts.lookup,
        timeoutMs: this.#opts.timeoutMs,
        maxBytes: MAX_DOC_BYTES,
        headers: { accept: ACCEPT },
      })
    } catch (err) {
      throw new DidResolutionError(did, (err as Error).message, { cause: err })
    }
    // 404 is "no such DID"; 410 is how directories report a tombstoned DID.
    if (res.status === 404 || res.status === 410) return null
    if (res.status !== 200)
      throw new DidResolutionError(did, `${new URL(url).origin} answered HTTP ${res.status}`)
    let json: unknown
    try {
      json = JSON.parse(res.body.toString('utf8'))
    } catch {
      throw new DidResolutionError(did, 'the DID document is not JSON')
    }
    try {
      return parseDidDocument(json, did)
    } catch (err) {
      throw new DidResolutionError(did, (err as Error).message, { cause: err })
    }
  }
}

/**
 * The document URL of a hostname-level did:web (did spec, "did:web in AT Protocol"): no paths;
 * a percent-encoded port only on localhost, which is fetched over plain http (development).
 */
export function webDocUrl(did: string): string {
  const id = did.slice('did:web:'.length)
  if (id.includes(':')) throw new DidResolutionError(did, 'path-based did:web is not supported in atproto')
  let host: string
  try {
    host = decodeURIComponent(id)
  } catch {
    throw new DidResolutionError(did, 'invalid percent-encoding')
  }
  const local = /^localhost(:\d{1,5})?$/.exec(host)
  if (local) return `http://${host}/.well-known/did.json`
  if (!isValidHandle(host)) throw new DidResolutionError(did, 'the did:web identifier is not a hostname')
  // did spec: the top-level domains refused for handles (.arpa, .local, ...) are refused here too.
  if (hasDisallowedTld(host))
    throw new DidResolutionError(did, 'did:web hosts under this top-level domain never resolve')
  return `https://${host.toLowerCase()}/.well-known/did.json`
}

// An HTTP(S) GET for URLs that come from other people's data (did:web hosts, handles). The
// host name is resolved here, every address is checked against the address policy, and the
// connection is pinned to the checked address, so a DNS answer that changes between the check
// and the connect (rebinding) cannot redirect it. Size, time and redirects are bounded, and
// each redirect hop is checked again.
import { lookup as dnsLookup } from 'node:dns/promises'
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { isIP, type LookupFunction } from 'node:net'
import { FetchError, UnsafeUrlError } from '../errors.js'
import { type AddressPolicy, addressRefusal } from './ip-ranges.js'

export interface SafeFetchOptions extends AddressPolicy {
  /** Whole exchange, redirects included (default 5 s). */
  timeoutMs?: number
  /** Largest body accepted (default 1 MiB). */
  maxBytes?: number
  /** Redirects to follow, each re-checked (default 0: a redirect is an error). */
  maxRedirects?: number
  headers?: Record<string, string>
  signal?: AbortSignal
  /** Resolves a host name to its addresses; defaults to the system resolver (dns.lookup). */
  lookup?: (hostname: string) => Promise<string[]>
  /**
   * Certificate authorities (PEM) trusted for https instead of Node's bundled roots, e.g. a
   * private CA on a test network. The certificate's name is checked against the URL's host
   * either way; there is deliberately no option to skip verification.
   */
  ca?: string | Buffer | (string | Buffer)[]
}

export interface SafeResponse {
  /** The final URL, after redirects. */
  url: string
  status: number
  headers: IncomingHttpHeaders
  body: Buffer
}

const DEFAULT_TIMEOUT_MS = 5_000
const DEFAULT_MAX_BYTES = 1024 * 1024

async function systemLookup(hostname: string): Promise<string[]> {
  return (await dnsLookup(hostname, { all: true, verbatim: true })).map((a) => a.address)
}

/** Resolves and checks the host of `url`; returns the one address to connect to. */
async function checkedAddress(url: URL, opts: SafeFetchOptions): Promise<string> {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname
  let addresses: string[]
  if (isIP(host)) addresses = [host]
  else {
    try {
      addresses = await (opts.lookup ?? systemLookup)(host)
    } catch (err) {
      throw new FetchError(`cannot resolve ${host}: ${(err as Error).message}`, undefined, { cause: err })
    }
    if (addresses.length === 0) throw new FetchError(`cannot resolve ${host}: no addresses`)
  }
  // Refuse if any answer is off-limits: a mixed answer is how round-robin rebinding works.
  for (const address of addresses) {
    const refusal = addressRefusal(address, opts)
    if (refusal) throw new UnsafeUrlError(`refusing to fetch ${url.origin}: ${host} resolves to ${refusal}`)
  }
  return addresses[0]
}

function pinnedLookup(address: string): LookupFunction {
  const family = isIP(address)
  return (_hostname, options, callback) => {
    if ((options as { all?: boolean }).all)
      (callback as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address, family }])
    else callback(null, address, family)
  }
}

function readBody(res: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(res.headers['content-length'] ?? 0)
  if (declared > maxBytes) {
    res.destroy()
    return Promise.reject(
      new FetchError(`response of ${declared} bytes exceeds the ${maxBytes}-byte limit`, res.statusCode),
    )
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    res.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > maxBytes) {
        reject(new FetchError(`response exceeds the ${maxBytes}-byte limit`, res.statusCode))
        res.destroy()
      } else chunks.push(chunk)
    })
    res.once('end', () => resolve(Buffer.concat(chunks)))
    res.once('error', (err) =>
      reject(new FetchError(`reading the response failed: ${err.message}`, res.statusCode)),
    )
    res.once('aborted', () => reject(new FetchError('the response was cut off', res.statusCode)))
  })
}

async function fetchOnce(
  url: URL,
  opts: SafeFetchOptions,
  signal: AbortSignal,
): Promise<{ res: IncomingMessage; body?: Buffer }> {
  const address = await checkedAddress(url, opts)
  signal.throwIfAborted()
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = send(url, {
      method: 'GET',
      agent: false,
      lookup: pinnedLookup(address),
      ...(opts.ca === undefined ? {} : { ca: opts.ca }),
      headers: { 'user-agent': 'welkin-identity/0.1', ...opts.headers },
      signal,
    })
    req.once('response', resolve)
    req.once('error', reject)
    req.end()
  })
  if (res.statusCode && res.statusCode >= 300 && res.statusCode < 400 && res.headers.location) {
    res.resume()
    return { res }
  }
  return { res, body: await readBody(res, opts.maxBytes ?? DEFAULT_MAX_BYTES) }
}

/** GETs `input` under the address policy; rejects with UnsafeUrlError or FetchError. */
export async function safeFetch(input: string | URL, opts: SafeFetchOptions = {}): Promise<SafeResponse> {
  let url: URL
  try {
    url = new URL(input)
  } catch {
    throw new UnsafeUrlError(`not a URL: ${String(input).slice(0, 200)}`)
  }
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const signal = AbortSignal.any([AbortSignal.timeout(timeoutMs), ...(opts.signal ? [opts.signal] : [])])
  let redirects = opts.maxRedirects ?? 0
  for (;;) {
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new UnsafeUrlError(`refusing ${url.protocol} URL ${url.href.slice(0, 200)}: only http and https`)
    }
    if (url.username || url.password) throw new UnsafeUrlError('refusing a URL with credentials in it')
    let result: { res: IncomingMessage; body?: Buffer }
    try {
      result = await fetchOnce(url, opts, signal)
    } catch (err) {
      if (err instanceof UnsafeUrlError) throw err
      if (signal.aborted) {
        const why = opts.signal?.aborted ? 'was aborted' : `timed out after ${timeoutMs} ms`
        throw new FetchError(`fetching ${url.origin} ${why}`, undefined, { cause: err })
      }
      if (err instanceof FetchError) throw err
      throw new FetchError(`fetching ${url.origin} failed: ${(err as Error).message}`, undefined, {
        cause: err,
      })
    }
    const { res, body } = result
    if (body) return { url: url.href, status: res.statusCode ?? 0, headers: res.headers, body }
    if (redirects-- <= 0)
      throw new FetchError(`${url.origin} redirected, and redirects are not followed here`, res.statusCode)
    const next = new URL(res.headers.location as string, url)
    if (url.protocol === 'https:' && next.protocol === 'http:') {
      throw new UnsafeUrlError(`refusing a redirect from https to http (${next.origin})`)
    }
    url = next
  }
}

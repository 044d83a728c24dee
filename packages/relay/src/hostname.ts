// Upstream hosts are named by hostname (com.atproto.sync.defs: "hostname of server; not a URL").
// A public relay crawls only public DNS names over wss/https on the default port (sync.md
// "Security Concerns": never connect to local or internal hosts); with allowLoopback it also
// admits `localhost:PORT` / `127.0.0.1:PORT` over plain ws/http, for local networks and tests.
import { lookup as dnsLookup } from 'node:dns'
import { isIP, type LookupFunction } from 'node:net'
import { addressRefusal, classifyAddress } from '@welkin/identity'
import { isValidHandle } from '@welkin/syntax'
import { HostError } from './errors.js'

export interface HostPolicy {
  allowLoopback: boolean
}

// Names that never lead to a public server (RFC 6761, RFC 6762, RFC 7686 and common practice).
const PRIVATE_SUFFIXES = ['.local', '.localhost', '.internal', '.arpa', '.invalid', '.onion', '.lan', '.home']

function refuse(input: string, why: string): never {
  throw new HostError('InvalidHostname', `cannot crawl ${JSON.stringify(input.slice(0, 200))}: ${why}`)
}

function isLoopbackName(name: string): boolean {
  if (name === 'localhost') return true
  const bare = name.startsWith('[') ? name.slice(1, -1) : name
  return isIP(bare) !== 0 && classifyAddress(bare) === 'loopback'
}

/**
 * The canonical form of a host to crawl: a lower-case DNS name (`pds.example.com`), or with
 * allowLoopback `localhost:PORT` for any loopback name or address with its port. Accepts a bare hostname or an
 * origin URL (`https://pds.example.com`). Throws HostError('InvalidHostname').
 */
export function normalizeHostname(input: string, policy: HostPolicy): string {
  if (typeof input !== 'string' || input.length === 0 || input.length > 300)
    refuse(String(input), 'not a hostname')
  let hostPart = input.trim().toLowerCase()
  let scheme: string | undefined
  if (hostPart.includes('://')) {
    let url: URL
    try {
      url = new URL(hostPart)
    } catch {
      refuse(input, 'not a hostname or URL')
    }
    if (
      (url.pathname !== '/' && url.pathname !== '') ||
      url.search ||
      url.hash ||
      url.username ||
      url.password
    )
      refuse(input, 'give the host only, without a path, query or credentials')
    scheme = url.protocol
    if (!['https:', 'wss:', 'http:', 'ws:'].includes(scheme)) refuse(input, `unsupported scheme ${scheme}`)
    hostPart = url.host
  } else if (hostPart.endsWith('/')) {
    hostPart = hostPart.replace(/\/+$/, '')
  }
  let name = hostPart
  let port: string | undefined
  const m = /^(\[[0-9a-f:.]+\]|[^:]+):(\d{1,5})$/.exec(hostPart)
  if (m) {
    name = m[1]
    port = m[2]
    if (Number(port) < 1 || Number(port) > 65535) refuse(input, `bad port ${port}`)
  }
  if (isLoopbackName(name)) {
    if (!policy.allowLoopback)
      refuse(input, 'loopback hosts are refused (the relay runs without --allow-loopback)')
    if (port === undefined) refuse(input, 'a loopback host needs its port (localhost:PORT)')
    // One name for one server: a PDS reached as 127.0.0.1:P and named localhost:P in its
    // accounts' DID documents is the same host.
    return `localhost:${port}`
  }
  if (scheme === 'http:' || scheme === 'ws:') refuse(input, 'public hosts are crawled over https/wss only')
  const bare = name.startsWith('[') ? name.slice(1, -1) : name
  if (isIP(bare) !== 0) refuse(input, 'IP addresses are refused; a host must have a DNS name')
  if (port !== undefined && port !== '443')
    refuse(input, 'public hosts are crawled on the default port (443) only')
  if (!isValidHandle(name)) refuse(input, 'not a valid DNS name')
  if (PRIVATE_SUFFIXES.some((s) => name.endsWith(s))) refuse(input, 'not a public DNS name')
  return name
}

/** Whether a canonical hostname is a loopback one (plain ws/http). */
export function isLoopbackHost(hostname: string): boolean {
  const colon = hostname.lastIndexOf(':')
  return colon > 0 && isLoopbackName(hostname.slice(0, colon))
}

/** The HTTP origin of a canonical hostname. */
export function hostOrigin(hostname: string): string {
  return isLoopbackHost(hostname) ? `http://${hostname}` : `https://${hostname}`
}

/** Where the host's repo stream is. */
export function hostStreamUrl(hostname: string): string {
  const scheme = isLoopbackHost(hostname) ? 'ws' : 'wss'
  return `${scheme}://${hostname}/xrpc/com.atproto.sync.subscribeRepos`
}

/**
 * The canonical hostname a DID document's PDS endpoint names, or undefined when the relay would
 * not crawl it (so events for that DID can come from no host it crawls).
 */
export function hostOfEndpoint(endpoint: string | undefined, policy: HostPolicy): string | undefined {
  if (endpoint === undefined) return undefined
  try {
    return normalizeHostname(endpoint, policy)
  } catch {
    return undefined
  }
}

/**
 * A DNS lookup for sockets to hosts: every answer is checked, and a name resolving to a
 * loopback, private, link-local or reserved address is refused (loopback allowed by policy).
 */
export function guardedLookup(policy: HostPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { all: true, family: options.family as number | undefined }, (err, addresses) => {
      if (err) return callback(err, '', 0)
      for (const a of addresses) {
        const refusal = addressRefusal(a.address, { allowLoopback: policy.allowLoopback })
        if (refusal) {
          const e = Object.assign(new Error(`refusing ${hostname}: ${refusal}`), { code: 'EREFUSED' })
          return callback(e, '', 0)
        }
      }
      if (addresses.length === 0) return callback(new Error(`no address for ${hostname}`), '', 0)
      if ((options as { all?: boolean }).all) {
        ;(callback as unknown as (e: null, a: typeof addresses) => void)(null, addresses)
      } else callback(null, addresses[0].address, addresses[0].family)
    })
  }
}

// Which IP addresses an outbound fetch of user-controlled URLs may reach. Everything that is
// not the public internet is classified (RFC 6890 special-purpose registries), so a DID or
// handle cannot point a server at its own loopback, LAN, or cloud metadata endpoint.
import { BlockList, isIP } from 'node:net'

export type AddressClass = 'public' | 'loopback' | 'private' | 'link-local' | 'reserved'

function list(v4: [string, number][], v6: [string, number][]): BlockList {
  const b = new BlockList()
  for (const [net, bits] of v4) b.addSubnet(net, bits, 'ipv4')
  for (const [net, bits] of v6) b.addSubnet(net, bits, 'ipv6')
  return b
}

const LOOPBACK = list([['127.0.0.0', 8]], [['::1', 128]])
// RFC 1918, RFC 6598 shared address space (carrier-grade NAT), RFC 4193 unique local.
const PRIVATE = list(
  [
    ['10.0.0.0', 8],
    ['172.16.0.0', 12],
    ['192.168.0.0', 16],
    ['100.64.0.0', 10],
  ],
  [['fc00::', 7]],
)
const LINK_LOCAL = list([['169.254.0.0', 16]], [['fe80::', 10]])
// Unspecified, "this network", IETF assignments, documentation, benchmarking, multicast,
// future use and broadcast; IPv6 unspecified, IPv4-compatible, discard, documentation, multicast.
const RESERVED = list(
  [
    ['0.0.0.0', 8],
    ['192.0.0.0', 24],
    ['192.0.2.0', 24],
    ['198.18.0.0', 15],
    ['198.51.100.0', 24],
    ['203.0.113.0', 24],
    ['224.0.0.0', 4],
    ['240.0.0.0', 4],
  ],
  [
    ['::', 96],
    ['100::', 64],
    ['2001:db8::', 32],
    ['2001::', 32],
    ['ff00::', 8],
  ],
)

function hextets(ip: string): number[] {
  // Expand '::' and a trailing dotted IPv4 part into eight 16-bit groups.
  let text = ip.toLowerCase()
  const dotted = text.match(/(\d+\.\d+\.\d+\.\d+)$/)
  if (dotted) {
    const [a, b, c, d] = dotted[1].split('.').map(Number)
    text = `${text.slice(0, -dotted[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const [head, tail] = text.split('::')
  const h = head ? head.split(':') : []
  const t = tail !== undefined && tail !== '' ? tail.split(':') : []
  const fill = tail === undefined ? [] : Array(8 - h.length - t.length).fill('0')
  return [...h, ...fill, ...t].map((g) => Number.parseInt(g, 16))
}

function v4From(hi: number, lo: number): string {
  return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`
}

/** The IPv4 address an IPv6 address stands for (mapped, NAT64, 6to4), if any. */
export function embeddedIpv4(ip: string): string | undefined {
  const g = hextets(ip)
  const zero = (from: number, to: number) => g.slice(from, to).every((x) => x === 0)
  if (zero(0, 5) && g[5] === 0xffff) return v4From(g[6], g[7]) // ::ffff:a.b.c.d
  if (g[0] === 0x64 && g[1] === 0xff9b && zero(2, 6)) return v4From(g[6], g[7]) // 64:ff9b::/96
  if (g[0] === 0x2002) return v4From(g[1], g[2]) // 6to4
  return undefined
}

/** Classifies an IP literal; anything unparseable is 'reserved' (never fetched). */
export function classifyAddress(ip: string): AddressClass {
  const family = isIP(ip)
  if (family === 0) return 'reserved'
  if (family === 6) {
    const v4 = embeddedIpv4(ip)
    if (v4) return classifyAddress(v4)
  }
  const type = family === 4 ? 'ipv4' : 'ipv6'
  if (LOOPBACK.check(ip, type)) return 'loopback'
  if (LINK_LOCAL.check(ip, type)) return 'link-local'
  if (PRIVATE.check(ip, type)) return 'private'
  if (RESERVED.check(ip, type)) return 'reserved'
  return 'public'
}

export interface AddressPolicy {
  /** 127/8 and ::1: local development and tests. */
  allowLoopback?: boolean
  /** RFC 1918, CGNAT and unique-local ranges: a private network deployment. */
  allowPrivate?: boolean
  /** 169.254/16 and fe80::/10 (where cloud metadata services live). */
  allowLinkLocal?: boolean
}

/** Null when the policy allows `ip`, else why not. */
export function addressRefusal(ip: string, policy: AddressPolicy = {}): string | null {
  const cls = classifyAddress(ip)
  if (cls === 'public') return null
  if (cls === 'loopback' && policy.allowLoopback) return null
  if (cls === 'private' && policy.allowPrivate) return null
  if (cls === 'link-local' && policy.allowLinkLocal) return null
  return `${ip} is a ${cls} address`
}

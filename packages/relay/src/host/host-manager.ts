// The crawler stage: which hosts the relay subscribes to. Hosts arrive by requestCrawl (anyone;
// checked to be a reachable PDS first), by an admin, or from another relay's listHosts. New
// hosts start with small limits; trusted ones (configuration) and admin-raised ones with more.
import { safeFetch } from '@welkin/identity'
import type { HostLimits } from '../config.js'
import { HostError } from '../errors.js'
import { type HostPolicy, hostOrigin, normalizeHostname } from '../hostname.js'
import type { RelayLogger } from '../logger.js'
import type { HostStore } from '../state/host-store.js'
import { HostConnection, type HostConnectionDeps } from './host-connection.js'

export interface HostManagerOptions {
  store: HostStore
  policy: HostPolicy
  newHostLimits: HostLimits
  trustedHostLimits: HostLimits
  trustedHosts: string[]
  connection: HostConnectionDeps
  logger: RelayLogger
  /** Accounts per host id, as stored. */
  accountCounts: Map<number, number>
  /** Checks a new host before crawling it (default: it answers describeServer). */
  checkHost?: (hostname: string) => Promise<void>
}

export class HostManager {
  private readonly byName = new Map<string, HostConnection>()
  private readonly byId = new Map<number, HostConnection>()
  private readonly trusted: Set<string>
  private readonly adding = new Map<string, Promise<HostConnection>>()

  constructor(private readonly opts: HostManagerOptions) {
    this.trusted = new Set()
    for (const h of opts.trustedHosts) {
      try {
        this.trusted.add(normalizeHostname(h, opts.policy))
      } catch (err) {
        opts.logger.log('warn', 'ignoring a trusted host that cannot be crawled', { host: h, err })
      }
    }
  }

  /** Loads the known hosts and starts every one that is not banned. */
  start(): void {
    for (const row of this.opts.store.all()) {
      const conn = this.register(new HostConnection(row, this.opts.connection))
      conn.accountCount = this.opts.accountCounts.get(row.id) ?? 0
      conn.start()
    }
  }

  private register(conn: HostConnection): HostConnection {
    this.byName.set(conn.hostname, conn)
    this.byId.set(conn.id, conn)
    return conn
  }

  get(hostname: string): HostConnection | undefined {
    return this.byName.get(hostname)
  }

  /** Looks a host up by any accepted spelling of its name. */
  find(input: string): HostConnection | undefined {
    try {
      return this.byName.get(normalizeHostname(input, this.opts.policy))
    } catch {
      return undefined
    }
  }

  list(): HostConnection[] {
    return [...this.byId.values()].sort((a, b) => a.id - b.id)
  }

  /**
   * Starts crawling `input` (com.atproto.sync.requestCrawl, or an admin). A known host that
   * stopped is restarted; a banned one is refused; a new one is checked first unless `check`
   * is false.
   */
  async requestCrawl(input: string, opts: { check?: boolean } = {}): Promise<HostConnection> {
    const hostname = normalizeHostname(input, this.opts.policy)
    const known = this.byName.get(hostname)
    if (known) {
      if (known.banned) throw new HostError('HostBanned', `${hostname} is banned from this relay`)
      if (!known.running) known.start()
      return known
    }
    let pending = this.adding.get(hostname)
    if (!pending) {
      pending = this.add(hostname, opts.check !== false).finally(() => this.adding.delete(hostname))
      this.adding.set(hostname, pending)
    }
    return pending
  }

  private async add(hostname: string, check: boolean): Promise<HostConnection> {
    if (check) await (this.opts.checkHost ?? ((h) => checkIsPds(h, this.opts.policy)))(hostname)
    const limits = this.trusted.has(hostname) ? this.opts.trustedHostLimits : this.opts.newHostLimits
    const row = this.opts.store.get(hostname) ?? this.opts.store.insert(hostname, limits)
    const conn = this.register(new HostConnection(row, this.opts.connection))
    this.opts.logger.log('info', 'crawling a new host', { host: hostname, ...limits })
    conn.start()
    return conn
  }

  async ban(input: string): Promise<HostConnection> {
    const conn = this.mustFind(input)
    conn.banned = true
    this.opts.store.setBanned(conn.id, true)
    await conn.stop()
    return conn
  }

  unban(input: string): HostConnection {
    const conn = this.mustFind(input)
    conn.banned = false
    this.opts.store.setBanned(conn.id, false)
    conn.start()
    return conn
  }

  setLimits(input: string, limits: Partial<HostLimits>): HostConnection {
    const conn = this.mustFind(input)
    const next = {
      accountLimit: limits.accountLimit ?? conn.accountLimit,
      eventsPerSecond: limits.eventsPerSecond ?? conn.eventsPerSecond,
    }
    conn.setLimits(next)
    this.opts.store.setLimits(conn.id, next)
    return conn
  }

  private mustFind(input: string): HostConnection {
    const conn = this.find(input)
    if (!conn) throw new HostError('HostNotFound', `no host ${JSON.stringify(input.slice(0, 200))} here`)
    return conn
  }

  /** Moves an account between hosts' counts (an account migrated to `to`). */
  moveAccount(fromHostId: number | null, to: HostConnection | { id: number; accountCount: number }): void {
    if (fromHostId !== null) {
      const from = this.byId.get(fromHostId)
      if (from) from.accountCount = Math.max(0, from.accountCount - 1)
    }
    to.accountCount++
  }

  /** Hosts whose cursor moved since it was last persisted. */
  movedCursors(): { conn: HostConnection; cursor: number }[] {
    const out: { conn: HostConnection; cursor: number }[] = []
    for (const conn of this.byId.values()) {
      const c = conn.cursor
      if (c !== null && c !== conn.persistedCursor) out.push({ conn, cursor: c })
    }
    return out
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.byId.values()].map((c) => c.stop()))
  }

  /** Crawls every host another relay lists (com.atproto.sync.listHosts), except banned ones. */
  async importFrom(relayUrl: string): Promise<{ added: number; failed: number }> {
    let cursor: string | undefined
    let added = 0
    let failed = 0
    for (let page = 0; page < 1000; page++) {
      const url = new URL('/xrpc/com.atproto.sync.listHosts', relayUrl)
      url.searchParams.set('limit', '1000')
      if (cursor) url.searchParams.set('cursor', cursor)
      const res = await safeFetch(url, {
        allowLoopback: this.opts.policy.allowLoopback,
        timeoutMs: 10_000,
        maxBytes: 4 << 20,
      })
      if (res.status !== 200)
        throw new HostError('HostUnreachable', `${url.origin} listHosts answered HTTP ${res.status}`)
      const body = JSON.parse(res.body.toString('utf8')) as {
        cursor?: string
        hosts?: { hostname?: string; status?: string }[]
      }
      for (const h of body.hosts ?? []) {
        if (typeof h.hostname !== 'string' || h.status === 'banned') continue
        try {
          const known = this.find(h.hostname)
          await this.requestCrawl(h.hostname, { check: false })
          if (!known) added++
        } catch {
          failed++
        }
      }
      if (!body.cursor || (body.hosts ?? []).length === 0) break
      cursor = body.cursor
    }
    return { added, failed }
  }
}

/** A host is crawled only if it answers com.atproto.server.describeServer like a PDS. */
export async function checkIsPds(hostname: string, policy: HostPolicy): Promise<void> {
  const url = `${hostOrigin(hostname)}/xrpc/com.atproto.server.describeServer`
  let status: number
  let body: Buffer
  try {
    ;({ status, body } = await safeFetch(url, {
      allowLoopback: policy.allowLoopback,
      timeoutMs: 5000,
      maxBytes: 64 * 1024,
    }))
  } catch (err) {
    throw new HostError('HostUnreachable', `${hostname} is unreachable: ${(err as Error).message}`, {
      cause: err,
    })
  }
  if (status !== 200)
    throw new HostError('HostUnreachable', `${hostname} answered describeServer with HTTP ${status}`)
  try {
    const json = JSON.parse(body.toString('utf8')) as { did?: unknown }
    if (typeof json.did !== 'string') throw new Error('no did')
  } catch {
    throw new HostError('HostUnreachable', `${hostname} does not answer describeServer like a PDS`)
  }
}

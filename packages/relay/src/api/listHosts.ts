import type { XrpcServer } from '@welkin/xrpc'
import type { RelayContext } from '../context.js'
import type { HostConnection } from '../host/host-connection.js'
import { intCursor } from './errors.js'

export function hostView(h: HostConnection): Record<string, unknown> {
  const view: Record<string, unknown> = {
    hostname: h.hostname,
    accountCount: h.accountCount,
    status: h.status,
  }
  if (h.persistedCursor !== null) view.seq = h.persistedCursor
  return view
}

export function listHosts(server: XrpcServer, ctx: RelayContext): void {
  server.method('com.atproto.sync.listHosts', ({ params }) => {
    const limit = (params.limit as number | undefined) ?? 200
    const after = intCursor(params.cursor)
    // Oldest first (the lexicon's recommendation); the cursor is the host's internal id.
    const page = ctx.hosts
      .list()
      .filter((h) => h.id > after)
      .slice(0, limit)
    const hosts = page.map(hostView)
    const cursor = page.length === limit ? String(page[page.length - 1].id) : undefined
    return { encoding: 'application/json', body: cursor ? { cursor, hosts } : { hosts } }
  })
}

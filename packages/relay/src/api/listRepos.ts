import type { XrpcServer } from '@welkin/xrpc'
import type { RelayContext } from '../context.js'
import { hostingStatus } from '../state/repo-state.js'
import { binToCid } from '../util/bin.js'

export function listRepos(server: XrpcServer, ctx: RelayContext): void {
  server.method('com.atproto.sync.listRepos', ({ params }) => {
    const limit = (params.limit as number | undefined) ?? 500
    const after = (params.cursor as string | undefined) ?? ''
    const rows = ctx.state.listRepos(after, limit)
    const repos = rows.map((s) => {
      const status = hostingStatus(s)
      return {
        did: s.did,
        head: binToCid(s.head!).toString(),
        rev: s.rev!,
        active: status.active,
        ...(status.status ? { status: status.status } : {}),
      }
    })
    const cursor = rows.length === limit ? rows[rows.length - 1].did : undefined
    return { encoding: 'application/json', body: cursor ? { cursor, repos } : { repos } }
  })
}

// com.atproto.sync.listRepos: every repo hosted here with its head, rev and hosting status, in
// DID order; the cursor is the last DID of the page.
import { CID } from '@welkin/data'
import type { XrpcServer } from '@welkin/xrpc'
import type { HostingStatus } from '../../account-manager.js'
import type { PdsContext } from '../../context.js'

interface Row {
  did: string
  status: HostingStatus
  cid: Uint8Array
  rev: string
}

export function register(server: XrpcServer, ctx: PdsContext): void {
  server.method('com.atproto.sync.listRepos', ({ params }) => {
    const limit = params.limit as number
    const rows = ctx.store.db
      .prepare(
        `SELECT a.did, a.status, r.cid, r.rev FROM account a JOIN repo_root r ON r.did = a.did
         WHERE a.did > ? ORDER BY a.did LIMIT ?`,
      )
      .all((params.cursor as string | undefined) ?? '', limit) as Row[]
    return {
      encoding: 'application/json',
      body: {
        cursor: rows.length === limit ? rows[rows.length - 1].did : undefined,
        repos: rows.map((r) => ({
          did: r.did,
          head: CID.decode(r.cid).toString(),
          rev: r.rev,
          active: r.status === 'active',
          status: r.status === 'active' ? undefined : r.status,
        })),
      },
    }
  })
}

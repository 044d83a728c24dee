import type { XrpcServer } from '@welkin/xrpc'
import type { RelayContext } from '../context.js'

export function listReposByCollection(server: XrpcServer, ctx: RelayContext): void {
  server.method('com.atproto.sync.listReposByCollection', ({ params }) => {
    const limit = (params.limit as number | undefined) ?? 500
    const dids = ctx.collections.list(
      params.collection as string,
      (params.cursor as string | undefined) ?? '',
      limit,
    )
    const repos = dids.map((did) => ({ did }))
    const cursor = dids.length === limit ? dids[dids.length - 1] : undefined
    return { encoding: 'application/json', body: cursor ? { cursor, repos } : { repos } }
  })
}

// com.atproto.sync.listBlobs: the account's blob CIDs in CID order; with `since`, those of
// records written after that rev.
import type { XrpcServer } from '@welkin/xrpc'
import type { PdsContext } from '../../context.js'
import { assertRepoAvailable, type Viewer, viewerAuth } from './availability.js'

export function register(server: XrpcServer, ctx: PdsContext): void {
  server.method<Viewer>(
    'com.atproto.sync.listBlobs',
    ({ params, auth }) => {
      const did = params.did as string
      assertRepoAvailable(ctx, did, auth)
      const limit = params.limit as number
      const cids = ctx.store.blobs.list(did, {
        since: params.since as string | undefined,
        cursor: params.cursor as string | undefined,
        limit,
      })
      return {
        encoding: 'application/json',
        body: { cursor: cids.length === limit ? cids[cids.length - 1] : undefined, cids },
      }
    },
    { auth: viewerAuth(ctx) },
  )
}

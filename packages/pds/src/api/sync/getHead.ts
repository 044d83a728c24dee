// com.atproto.sync.getHead (deprecated for getLatestCommit, still served by the official PDS).
import { InvalidRequestError, type XrpcServer } from '@welkin/xrpc'
import type { PdsContext } from '../../context.js'
import { assertRepoAvailable, type Viewer, viewerAuth } from './availability.js'

export function register(server: XrpcServer, ctx: PdsContext): void {
  server.method<Viewer>(
    'com.atproto.sync.getHead',
    ({ params, auth }) => {
      const did = params.did as string
      assertRepoAvailable(ctx, did, auth)
      const root = ctx.store.reader.getRoot(did)
      if (root === null) throw new InvalidRequestError(`Could not find root for DID: ${did}`, 'HeadNotFound')
      return { encoding: 'application/json', body: { root: root.cid.toString() } }
    },
    { auth: viewerAuth(ctx) },
  )
}

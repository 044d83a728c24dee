// com.atproto.sync.getLatestCommit: the current commit CID and rev.
import { InvalidRequestError, type XrpcServer } from '@welkin/xrpc'
import type { PdsContext } from '../../context.js'
import { assertRepoAvailable, type Viewer, viewerAuth } from './availability.js'

export function register(server: XrpcServer, ctx: PdsContext): void {
  server.method<Viewer>(
    'com.atproto.sync.getLatestCommit',
    ({ params, auth }) => {
      const did = params.did as string
      assertRepoAvailable(ctx, did, auth)
      const root = ctx.store.reader.getRoot(did)
      if (root === null) throw new InvalidRequestError(`Could not find repo for DID: ${did}`, 'RepoNotFound')
      return { encoding: 'application/json', body: { cid: root.cid.toString(), rev: root.rev } }
    },
    { auth: viewerAuth(ctx) },
  )
}

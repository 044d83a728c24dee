// com.atproto.sync.getRepo: the whole repo as a streamed CAR, commit first (repo-car.ts), or
// with `since` only the blocks written after that rev.
import type { XrpcServer } from '@welkin/xrpc'
import type { PdsContext } from '../../context.js'
import { assertRepoAvailable, type Viewer, viewerAuth } from './availability.js'
import { exportRepoCar } from './repo-car.js'

export function register(server: XrpcServer, ctx: PdsContext): void {
  server.method<Viewer>(
    'com.atproto.sync.getRepo',
    ({ params, auth }) => {
      const did = params.did as string
      assertRepoAvailable(ctx, did, auth)
      return {
        encoding: 'application/vnd.ipld.car',
        body: exportRepoCar(ctx.store.db, did, params.since as string | undefined),
      }
    },
    { auth: viewerAuth(ctx) },
  )
}

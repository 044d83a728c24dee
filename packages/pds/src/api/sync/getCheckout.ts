// com.atproto.sync.getCheckout (deprecated for getRepo, still served by the official PDS): the
// whole repo as a CAR.
import type { XrpcServer } from '@welkin/xrpc'
import type { PdsContext } from '../../context.js'
import { assertRepoAvailable, type Viewer, viewerAuth } from './availability.js'
import { exportRepoCar } from './repo-car.js'

export function register(server: XrpcServer, ctx: PdsContext): void {
  server.method<Viewer>(
    'com.atproto.sync.getCheckout',
    ({ params, auth }) => {
      const did = params.did as string
      assertRepoAvailable(ctx, did, auth)
      return { encoding: 'application/vnd.ipld.car', body: exportRepoCar(ctx.store.db, did) }
    },
    { auth: viewerAuth(ctx) },
  )
}

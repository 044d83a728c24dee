// com.atproto.sync.getBlocks: blocks of the repo by CID, as a CAR without roots.
import { type CID, encodeCar } from '@welkin/data'
import { InvalidRequestError, type XrpcServer } from '@welkin/xrpc'
import type { PdsContext } from '../../context.js'
import { parseCid } from '../repo/cid-param.js'
import { assertRepoAvailable, type Viewer, viewerAuth } from './availability.js'

export function register(server: XrpcServer, ctx: PdsContext): void {
  server.method<Viewer>(
    'com.atproto.sync.getBlocks',
    ({ params, auth }) => {
      const did = params.did as string
      assertRepoAvailable(ctx, did, auth)
      const cids = (params.cids as string[]).map((c) => parseCid(c, 'cids') as CID)
      const { blocks, missing } = ctx.store.reader.getBlocks(did, cids)
      if (missing.length > 0) {
        throw new InvalidRequestError(`Could not find blocks: ${missing.join(', ')}`, 'BlockNotFound')
      }
      return { encoding: 'application/vnd.ipld.car', body: encodeCar([], blocks) }
    },
    { auth: viewerAuth(ctx) },
  )
}

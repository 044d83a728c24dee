// com.atproto.admin.getAccountInfos: the accounts among `dids` that exist here.
import { InvalidRequestError, type XrpcServer } from '@welkin/xrpc'
import type { PdsContext } from '../../context.js'
import { accountView } from './account-view.js'

const MAX_DIDS = 100

export function register(server: XrpcServer, ctx: PdsContext): void {
  server.method(
    'com.atproto.admin.getAccountInfos',
    ({ params }) => {
      const dids = params.dids as string[]
      if (dids.length > MAX_DIDS) throw new InvalidRequestError(`at most ${MAX_DIDS} dids per call`)
      const infos = [...new Set(dids)]
        .map((did) => ctx.store.accounts.getAccount(did))
        .filter((a) => a !== null)
        .map(accountView)
      return { encoding: 'application/json', body: { infos } }
    },
    { auth: ctx.auth.admin },
  )
}

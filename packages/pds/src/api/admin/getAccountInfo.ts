// com.atproto.admin.getAccountInfo.
import { InvalidRequestError, type XrpcServer } from '@welkin/xrpc'
import type { PdsContext } from '../../context.js'
import { accountView } from './account-view.js'

export function register(server: XrpcServer, ctx: PdsContext): void {
  server.method(
    'com.atproto.admin.getAccountInfo',
    ({ params }) => {
      const did = params.did as string
      const account = ctx.store.accounts.getAccount(did)
      if (account === null) throw new InvalidRequestError(`no account ${did}`, 'AccountNotFound')
      return { encoding: 'application/json', body: accountView(account) }
    },
    { auth: ctx.auth.admin },
  )
}

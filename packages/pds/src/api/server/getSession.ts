// com.atproto.server.getSession: who the access token belongs to, and the account's state.
import { AuthRequiredError, type XrpcServer } from '@welkin/xrpc'
import type { AccessCredentials, PdsContext } from '../../context.js'
import { sessionInfo } from './session.js'

export function register(server: XrpcServer, ctx: PdsContext): void {
  server.method<AccessCredentials>(
    'com.atproto.server.getSession',
    async ({ auth }) => {
      const account = ctx.store.accounts.getAccount(auth.did)
      if (account === null)
        throw new AuthRequiredError(`no account ${auth.did} on this server`, 'InvalidToken')
      return { encoding: 'application/json', body: await sessionInfo(ctx, account) }
    },
    { auth: ctx.auth.access },
  )
}

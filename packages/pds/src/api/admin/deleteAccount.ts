// com.atproto.admin.deleteAccount: removes everything hosted for the account and emits
// `#account` deleted. The DID stays at the directory.
import type { XrpcServer } from '@welkin/xrpc'
import { jsonBody, type PdsContext } from '../../context.js'
import { accountFor } from './subject.js'

export function register(server: XrpcServer, ctx: PdsContext): void {
  server.method(
    'com.atproto.admin.deleteAccount',
    async ({ input }) => {
      const { did } = jsonBody<{ did: string }>(input)
      accountFor(ctx, did)
      await ctx.store.accounts.deleteAccount(did)
      ctx.log('account deleted by the administrator', { did })
    },
    { auth: ctx.auth.admin },
  )
}

// com.atproto.admin.updateAccountEmail: `account` is a handle or DID.
import type { XrpcServer } from '@welkin/xrpc'
import { jsonBody, type PdsContext } from '../../context.js'
import { accountFor } from './subject.js'

export function register(server: XrpcServer, ctx: PdsContext): void {
  server.method(
    'com.atproto.admin.updateAccountEmail',
    ({ input }) => {
      const { account, email } = jsonBody<{ account: string; email: string }>(input)
      ctx.store.accounts.updateEmail(accountFor(ctx, account).did, email)
    },
    { auth: ctx.auth.admin },
  )
}

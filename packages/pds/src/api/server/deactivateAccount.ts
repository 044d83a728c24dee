// com.atproto.server.deactivateAccount: the holder stops hosting here (account-lifecycle.md
// "Account Deactivation"); the status change commits with its `#account` event.
import type { XrpcServer } from '@welkin/xrpc'
import { type AccessCredentials, jsonBody, type PdsContext } from '../../context.js'

export function register(server: XrpcServer, ctx: PdsContext): void {
  server.method<AccessCredentials>(
    'com.atproto.server.deactivateAccount',
    async ({ auth, input }) => {
      const { deleteAfter } = jsonBody<{ deleteAfter?: string }>(input)
      await ctx.store.accounts.deactivate(auth.did, deleteAfter)
    },
    { auth: ctx.auth.accessFull },
  )
}

// com.atproto.server.activateAccount: hosting resumes with an `#account` event, an empty commit
// and a `#sync`, so downstream services resynchronize (account-lifecycle.md "Account
// Reactivation", sync.md "#sync Events").
import type { XrpcServer } from '@welkin/xrpc'
import type { AccessCredentials, PdsContext } from '../../context.js'

export function register(server: XrpcServer, ctx: PdsContext): void {
  server.method<AccessCredentials>(
    'com.atproto.server.activateAccount',
    async ({ auth }) => {
      await ctx.store.accounts.activate(auth.did)
    },
    { auth: ctx.auth.accessFull },
  )
}

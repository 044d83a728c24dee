// com.atproto.server.deleteAccount: with the account password and the token from
// requestAccountDelete. Removes the repo, records, blobs and sessions and emits `#account`
// deleted; the DID stays registered at the directory (it still names its owner's rotation keys).
import { AuthRequiredError, InvalidRequestError, type XrpcServer } from '@welkin/xrpc'
import { jsonBody, type PdsContext } from '../../context.js'
import { MINUTE, rateLimits } from './rate-limits.js'

interface Input {
  did: string
  password: string
  token: string
}

export function register(server: XrpcServer, ctx: PdsContext): void {
  const rateLimit = rateLimits(ctx, { points: 50, durationMs: 5 * MINUTE })
  server.method(
    'com.atproto.server.deleteAccount',
    async ({ input }) => {
      const { did, password, token } = jsonBody<Input>(input)
      const found = await ctx.store.accounts.login(did, password)
      // An app password is not enough to delete the account.
      if (found === null || found.appPassword !== null || found.account.did !== did) {
        throw new AuthRequiredError('Invalid did or password')
      }
      if (!ctx.services.emailTokens.verify('delete_account', did, token)) {
        throw new InvalidRequestError('Token is invalid or expired', 'InvalidToken')
      }
      await ctx.store.accounts.deleteAccount(did)
      ctx.log('account deleted by its holder', { did })
    },
    { rateLimit },
  )
}

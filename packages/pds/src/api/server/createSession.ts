// com.atproto.server.createSession: log in with a handle, email or DID and the account password
// or an app password. Taken-down accounts are refused unless the client asks for
// `allowTakendown`; deactivated accounts get a session that reports `active: false`.
import { AuthRequiredError, InvalidRequestError, type XrpcServer } from '@welkin/xrpc'
import { jsonBody, type PdsContext } from '../../context.js'
import { DAY, MINUTE, rateLimits } from './rate-limits.js'
import { createSessionTokens, sessionInfo } from './session.js'

interface Input {
  identifier: string
  password: string
  authFactorToken?: string
  allowTakendown?: boolean
}

const MAX_IDENTIFIER = 512

export function register(server: XrpcServer, ctx: PdsContext): void {
  const rateLimit = rateLimits(ctx, { points: 30, durationMs: 5 * MINUTE }, { points: 300, durationMs: DAY })
  server.method(
    'com.atproto.server.createSession',
    async ({ input }) => {
      const { identifier, password, allowTakendown } = jsonBody<Input>(input)
      if (identifier.length === 0 || identifier.length > MAX_IDENTIFIER) {
        throw new InvalidRequestError('identifier must be a handle, email address or DID')
      }
      const found = await ctx.store.accounts.login(identifier.trim().replace(/^@/, ''), password)
      if (found === null) throw new AuthRequiredError('Invalid identifier or password')
      const { account, appPassword } = found
      const down = account.status === 'takendown' || account.status === 'suspended'
      if (down && !allowTakendown)
        throw new AuthRequiredError('Account has been taken down', 'AccountTakedown')
      return {
        encoding: 'application/json',
        body: { ...createSessionTokens(ctx, account.did, appPassword), ...(await sessionInfo(ctx, account)) },
      }
    },
    { rateLimit },
  )
}

// com.atproto.server.refreshSession: spends the presented refresh token for a new pair. A token
// used again after its grace period means it leaked: the whole chain is revoked (sessions.ts).
import { AuthRequiredError, InvalidRequestError, type XrpcServer } from '@welkin/xrpc'
import type { PdsContext, RefreshCredentials } from '../../context.js'
import { InvalidRefreshTokenError } from '../../errors.js'
import { accessToken, refreshToken, scopeFor, sessionInfo } from './session.js'

export function register(server: XrpcServer, ctx: PdsContext): void {
  server.method<RefreshCredentials>(
    'com.atproto.server.refreshSession',
    async ({ auth }) => {
      const next = refreshToken(ctx, auth.did)
      let rotated: ReturnType<typeof ctx.services.sessions.rotateRefreshToken>
      try {
        rotated = ctx.services.sessions.rotateRefreshToken(auth.tokenId, {
          id: next.jti,
          expiresAt: next.expiresAt,
        })
      } catch (err) {
        if (err instanceof InvalidRefreshTokenError)
          throw new InvalidRequestError(err.message, 'ExpiredToken')
        throw err
      }
      if (rotated.did !== auth.did)
        throw new AuthRequiredError('refresh token does not match its account', 'InvalidToken')
      const account = ctx.store.accounts.getAccount(auth.did)
      if (account === null)
        throw new AuthRequiredError(`no account ${auth.did} on this server`, 'InvalidToken')
      if (account.status === 'takendown' || account.status === 'suspended') {
        throw new AuthRequiredError('Account has been taken down', 'AccountTakedown')
      }
      const appPassword =
        rotated.appPasswordName === null
          ? null
          : (ctx.services.sessions
              .listAppPasswords(auth.did)
              .find((p) => p.name === rotated.appPasswordName) ?? null)
      if (rotated.appPasswordName !== null && appPassword === null) {
        throw new AuthRequiredError('the app password of this session was revoked', 'InvalidToken')
      }
      // Within the grace period the successor already exists: hand out a token naming it.
      const refreshJwt = rotated.reused ? refreshToken(ctx, auth.did, rotated.nextId).token : next.token
      return {
        encoding: 'application/json',
        body: {
          accessJwt: accessToken(ctx, auth.did, scopeFor(appPassword)),
          refreshJwt,
          ...(await sessionInfo(ctx, account)),
        },
      }
    },
    { auth: ctx.auth.refresh },
  )
}

// com.atproto.server.deleteSession: logout. Revokes the presented refresh token and any
// successor it already had; access tokens expire on their own (they are short-lived).
import type { XrpcServer } from '@welkin/xrpc'
import type { PdsContext, RefreshCredentials } from '../../context.js'

export function register(server: XrpcServer, ctx: PdsContext): void {
  server.method<RefreshCredentials>(
    'com.atproto.server.deleteSession',
    ({ auth }) => {
      ctx.services.sessions.revokeRefreshToken(auth.tokenId)
    },
    { auth: ctx.auth.refresh },
  )
}

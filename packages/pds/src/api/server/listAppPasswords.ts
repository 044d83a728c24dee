// com.atproto.server.listAppPasswords: names and creation times, never the passwords.
import type { XrpcServer } from '@welkin/xrpc'
import type { AccessCredentials, PdsContext } from '../../context.js'

export function register(server: XrpcServer, ctx: PdsContext): void {
  server.method<AccessCredentials>(
    'com.atproto.server.listAppPasswords',
    ({ auth }) => ({
      encoding: 'application/json',
      body: { passwords: ctx.store.sessions.listAppPasswords(auth.did) },
    }),
    { auth: ctx.auth.access },
  )
}

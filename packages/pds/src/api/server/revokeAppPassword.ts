// com.atproto.server.revokeAppPassword: removes it and ends the sessions opened with it.
import type { XrpcServer } from '@welkin/xrpc'
import { type AccessCredentials, jsonBody, type PdsContext } from '../../context.js'

export function register(server: XrpcServer, ctx: PdsContext): void {
  server.method<AccessCredentials>(
    'com.atproto.server.revokeAppPassword',
    ({ auth, input }) => {
      ctx.store.sessions.revokeAppPassword(auth.did, jsonBody<{ name: string }>(input).name)
    },
    { auth: ctx.auth.accessFull },
  )
}

// com.atproto.server.createAppPassword: a password that logs in with a narrower scope; only a
// full (non-app-password) session may make one.
import type { XrpcServer } from '@welkin/xrpc'
import { type AccessCredentials, jsonBody, type PdsContext } from '../../context.js'

export function register(server: XrpcServer, ctx: PdsContext): void {
  server.method<AccessCredentials>(
    'com.atproto.server.createAppPassword',
    async ({ auth, input }) => {
      const { name, privileged } = jsonBody<{ name: string; privileged?: boolean }>(input)
      const created = await ctx.store.sessions.createAppPassword(auth.did, name.trim(), privileged ?? false)
      return { encoding: 'application/json', body: created }
    },
    { auth: ctx.auth.accessFull },
  )
}

// com.atproto.identity.updateHandle.
import type { XrpcServer } from '@welkin/xrpc'
import { type AccessCredentials, jsonBody, type PdsContext } from '../../context.js'
import { changeHandle } from './change-handle.js'

export function register(server: XrpcServer, ctx: PdsContext): void {
  server.method<AccessCredentials>(
    'com.atproto.identity.updateHandle',
    async ({ auth, input }) => {
      await changeHandle(ctx, auth.did, jsonBody<{ handle: string }>(input).handle)
    },
    { auth: ctx.auth.access },
  )
}

// com.atproto.admin.updateAccountHandle: as identity.updateHandle, without the reserved-name
// rule or the resolution check of an outside domain.
import type { XrpcServer } from '@welkin/xrpc'
import { jsonBody, type PdsContext } from '../../context.js'
import { changeHandle } from '../identity/change-handle.js'

export function register(server: XrpcServer, ctx: PdsContext): void {
  server.method(
    'com.atproto.admin.updateAccountHandle',
    async ({ input }) => {
      const { did, handle } = jsonBody<{ did: string; handle: string }>(input)
      await changeHandle(ctx, did, handle, true)
    },
    { auth: ctx.auth.admin },
  )
}

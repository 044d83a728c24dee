// com.atproto.server.createInviteCode (admin).
import type { XrpcServer } from '@welkin/xrpc'
import { jsonBody, type PdsContext } from '../../context.js'
import { checkUseCount, createInvite } from './invite-code.js'

export function register(server: XrpcServer, ctx: PdsContext): void {
  server.method(
    'com.atproto.server.createInviteCode',
    ({ input }) => {
      const { useCount, forAccount } = jsonBody<{ useCount: number; forAccount?: string }>(input)
      checkUseCount(useCount)
      return {
        encoding: 'application/json',
        body: { code: createInvite(ctx, useCount, forAccount ?? 'admin') },
      }
    },
    { auth: ctx.auth.admin },
  )
}

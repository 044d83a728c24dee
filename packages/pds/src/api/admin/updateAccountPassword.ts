// com.atproto.admin.updateAccountPassword: sets the password and ends every session.
import { InvalidRequestError, type XrpcServer } from '@welkin/xrpc'
import { MAX_PASSWORD_LENGTH } from '../../auth/password.js'
import { jsonBody, type PdsContext } from '../../context.js'
import { accountFor } from './subject.js'

export function register(server: XrpcServer, ctx: PdsContext): void {
  server.method(
    'com.atproto.admin.updateAccountPassword',
    async ({ input }) => {
      const { did, password } = jsonBody<{ did: string; password: string }>(input)
      if (password.length === 0 || password.length > MAX_PASSWORD_LENGTH) {
        throw new InvalidRequestError(
          `password must be 1-${MAX_PASSWORD_LENGTH} characters`,
          'InvalidPassword',
        )
      }
      accountFor(ctx, did)
      await ctx.store.accounts.setPassword(did, password)
      ctx.log('password set by the administrator', { did })
    },
    { auth: ctx.auth.admin },
  )
}

// com.atproto.server.requestAccountDelete. The official PDS mails the deletion token; no mail is
// sent here: the token goes to the server log (email-token.ts), which in development is the
// terminal running `welkin up`.
import type { XrpcServer } from '@welkin/xrpc'
import type { AccessCredentials, PdsContext } from '../../context.js'

export function register(server: XrpcServer, ctx: PdsContext): void {
  server.method<AccessCredentials>(
    'com.atproto.server.requestAccountDelete',
    ({ auth }) => {
      const token = ctx.services.emailTokens.issue('delete_account', auth.did)
      ctx.log('account deletion requested (no email is sent: give the account holder this token)', {
        did: auth.did,
        token,
      })
    },
    { auth: ctx.auth.accessFull },
  )
}

// com.atproto.identity.requestPlcOperationSignature. The official PDS mails the token that
// signPlcOperation needs; it goes to the server log here (see server/email-token.ts).
import type { XrpcServer } from '@welkin/xrpc'
import type { AccessCredentials, PdsContext } from '../../context.js'

export function register(server: XrpcServer, ctx: PdsContext): void {
  server.method<AccessCredentials>(
    'com.atproto.identity.requestPlcOperationSignature',
    ({ auth }) => {
      const token = ctx.services.emailTokens.issue('plc_operation', auth.did)
      ctx.log('PLC operation signature requested (no email is sent: give the account holder this token)', {
        did: auth.did,
        token,
      })
    },
    { auth: ctx.auth.accessFull },
  )
}

// com.atproto.identity.signPlcOperation: signs, with this server's rotation key, an update of
// the account's DID that changes the given fields and keeps the rest; the client submits it
// (usually to the account's next PDS during a migration).
import { createUpdateOp, type PlcOpFields } from '@welkin/identity'
import { InvalidRequestError, type XrpcServer } from '@welkin/xrpc'
import { type AccessCredentials, jsonBody, type PdsContext } from '../../context.js'
import { checkFields, lastOpOf, parseClientOp } from './plc-operation.js'

type Input = Partial<PlcOpFields> & { token?: string }

export function register(server: XrpcServer, ctx: PdsContext): void {
  server.method<AccessCredentials>(
    'com.atproto.identity.signPlcOperation',
    async ({ auth, input }) => {
      const body = jsonBody<Input>(input)
      if (!body.token || !ctx.services.emailTokens.verify('plc_operation', auth.did, body.token)) {
        throw new InvalidRequestError(
          'Token is invalid or expired (see requestPlcOperationSignature)',
          'InvalidToken',
        )
      }
      const last = await lastOpOf(ctx, auth.did)
      const operation = await createUpdateOp(last, ctx.store.secrets.plcRotationKey, (current) =>
        checkFields(
          {
            rotationKeys: body.rotationKeys ?? current.rotationKeys,
            verificationMethods: body.verificationMethods ?? current.verificationMethods,
            alsoKnownAs: body.alsoKnownAs ?? current.alsoKnownAs,
            services: body.services ?? current.services,
          },
          last,
        ),
      )
      // Keys and size are checked on the signed op, as the directory will check them.
      parseClientOp(operation)
      return { encoding: 'application/json', body: { operation } }
    },
    { auth: ctx.auth.accessFull },
  )
}

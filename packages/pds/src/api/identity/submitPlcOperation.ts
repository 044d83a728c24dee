// com.atproto.identity.submitPlcOperation: forwards a signed update of the account's DID to the
// directory, after checking it keeps the account working here (the official PDS's checks: this
// server's rotation key, the account's signing key and handle, this server as the PDS), then
// announces the change with an `#identity` event.
import { ATPROTO_PDS_TYPE } from '@welkin/identity'
import { InvalidRequestError, type XrpcServer } from '@welkin/xrpc'
import { type AccessCredentials, jsonBody, type PdsContext } from '../../context.js'
import { accountSigningKey } from '../server/signing-key.js'
import { parseClientOp } from './plc-operation.js'

export function register(server: XrpcServer, ctx: PdsContext): void {
  server.method<AccessCredentials>(
    'com.atproto.identity.submitPlcOperation',
    async ({ auth, input }) => {
      const did = auth.did
      if (!did.startsWith('did:plc:')) throw new InvalidRequestError(`${did} is not a did:plc`)
      const op = parseClientOp(jsonBody<{ operation: unknown }>(input).operation)
      if (op.type !== 'plc_operation')
        throw new InvalidRequestError('only plc_operation updates may be submitted')
      const account = ctx.store.accounts.getAccount(did)
      if (account === null) throw new InvalidRequestError(`no account ${did}`, 'AccountNotFound')
      const fail = (what: string) =>
        new InvalidRequestError(`the operation would break this account: ${what}`)
      if (!op.rotationKeys.includes(ctx.store.secrets.plcRotationKey.did())) {
        throw fail("this server's rotation key is missing")
      }
      if (op.verificationMethods.atproto !== accountSigningKey(ctx, did).did()) {
        throw fail('the atproto verification method is not the repo signing key')
      }
      if (account.handle && op.alsoKnownAs[0] !== `at://${account.handle}`) {
        throw fail(`the first alsoKnownAs is not at://${account.handle}`)
      }
      const pds = op.services.atproto_pds
      if (pds?.type !== ATPROTO_PDS_TYPE || pds.endpoint !== ctx.config.service.publicUrl) {
        throw fail(`the atproto_pds service is not ${ctx.config.service.publicUrl}`)
      }
      await ctx.services.identityQueue.run(did, () => ctx.services.plc.submit(did, op))
      await ctx.services.resolver.did.resolve(did, { forceRefresh: true }).catch(() => null)
      await ctx.store.accounts.emitIdentity(did)
    },
    { auth: ctx.auth.accessFull },
  )
}

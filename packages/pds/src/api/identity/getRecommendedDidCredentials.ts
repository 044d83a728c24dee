// com.atproto.identity.getRecommendedDidCredentials: what the DID document of an account hosted
// here should hold (account-migration.md): this server's rotation key, the handle, the repo
// signing key and this server as the PDS.
import { ATPROTO_PDS_TYPE } from '@welkin/identity'
import { InvalidRequestError, type XrpcServer } from '@welkin/xrpc'
import type { AccessCredentials, PdsContext } from '../../context.js'
import { accountSigningKey } from '../server/signing-key.js'

export function register(server: XrpcServer, ctx: PdsContext): void {
  server.method<AccessCredentials>(
    'com.atproto.identity.getRecommendedDidCredentials',
    ({ auth }) => {
      const account = ctx.store.accounts.getAccount(auth.did)
      if (account === null) throw new InvalidRequestError(`no account ${auth.did}`, 'AccountNotFound')
      return {
        encoding: 'application/json',
        body: {
          rotationKeys: [ctx.store.secrets.plcRotationKey.did()],
          alsoKnownAs: account.handle ? [`at://${account.handle}`] : [],
          verificationMethods: { atproto: accountSigningKey(ctx, auth.did).did() },
          services: { atproto_pds: { type: ATPROTO_PDS_TYPE, endpoint: ctx.config.service.publicUrl } },
        },
      }
    },
    { auth: ctx.auth.access },
  )
}

// The account's repo signing key, kept in the account row (the store signs commits with it; the
// endpoints here sign service-auth tokens and report its public key).
import { importKeypair, type JwtAlg, type Keypair } from '@welkin/crypto'
import type { PdsContext } from '../../context.js'
import { AccountNotFoundError } from '../../errors.js'

export function accountSigningKey(ctx: PdsContext, did: string): Keypair {
  const row = ctx.store.db
    .prepare('SELECT signing_key_alg, signing_key FROM account WHERE did = ?')
    .get(did) as { signing_key_alg: JwtAlg; signing_key: Uint8Array } | undefined
  if (row === undefined) throw new AccountNotFoundError(did)
  return importKeypair(row.signing_key_alg, row.signing_key)
}

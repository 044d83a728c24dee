// com.atproto.server.checkAccountStatus: what a migration checks, namely whether the DID
// document names this server and the account's key, and how much of the repo and its blobs
// are here.
import { CID } from '@welkin/data'
import { getAtprotoKey, getPdsEndpoint } from '@welkin/identity'
import type { XrpcServer } from '@welkin/xrpc'
import type { AccessCredentials, PdsContext } from '../../context.js'
import { AccountNotFoundError } from '../../errors.js'
import { didDocFor } from './session.js'
import { accountSigningKey } from './signing-key.js'

function counts(ctx: PdsContext, did: string) {
  const one = (sql: string) => (ctx.store.db.prepare(sql).get(did) as { n: number }).n
  return {
    // The commit block lives in repo_root, beside the tree nodes.
    repoBlocks: one('SELECT count(*) AS n FROM repo_block WHERE did = ?') + 1,
    indexedRecords: one('SELECT count(*) AS n FROM record WHERE did = ?'),
    expectedBlobs: one('SELECT count(DISTINCT blob_cid) AS n FROM record_blob WHERE did = ?'),
    importedBlobs: one('SELECT count(*) AS n FROM blob WHERE did = ? AND permanent = 1'),
  }
}

export function register(server: XrpcServer, ctx: PdsContext): void {
  server.method<AccessCredentials>(
    'com.atproto.server.checkAccountStatus',
    async ({ auth }) => {
      const did = auth.did
      const account = ctx.store.accounts.getAccount(did)
      const root = ctx.store.db.prepare('SELECT cid, rev FROM repo_root WHERE did = ?').get(did) as
        | { cid: Uint8Array; rev: string }
        | undefined
      if (account === null || root === undefined) throw new AccountNotFoundError(did)
      const doc = await didDocFor(ctx, did)
      const validDid =
        doc !== undefined &&
        getAtprotoKey(doc) === accountSigningKey(ctx, did).did() &&
        getPdsEndpoint(doc) === ctx.config.service.publicUrl
      return {
        encoding: 'application/json',
        body: {
          activated: account.active,
          validDid,
          repoCommit: CID.decode(root.cid).toString(),
          repoRev: root.rev,
          privateStateValues: 0,
          ...counts(ctx, did),
        },
      }
    },
    { auth: ctx.auth.access },
  )
}

// com.atproto.repo.listMissingBlobs: blobs the account's records reference that are not stored
// here (after a migration, what is left to upload), in CID order.
import type { XrpcServer } from '@welkin/xrpc'
import type { AccessCredentials, PdsContext } from '../../context.js'

export function register(server: XrpcServer, ctx: PdsContext): void {
  server.method<AccessCredentials>(
    'com.atproto.repo.listMissingBlobs',
    ({ params, auth }) => {
      const limit = params.limit as number
      const rows = ctx.store.db
        .prepare(
          `SELECT rb.blob_cid AS cid, min(rb.collection || '/' || rb.rkey) AS path FROM record_blob rb
           WHERE rb.did = ? AND rb.blob_cid > ?
             AND NOT EXISTS (SELECT 1 FROM blob b WHERE b.did = rb.did AND b.cid = rb.blob_cid)
           GROUP BY rb.blob_cid ORDER BY rb.blob_cid LIMIT ?`,
        )
        .all(auth.did, (params.cursor as string | undefined) ?? '', limit) as { cid: string; path: string }[]
      return {
        encoding: 'application/json',
        body: {
          cursor: rows.length === limit ? rows[rows.length - 1].cid : undefined,
          blobs: rows.map((r) => ({ cid: r.cid, recordUri: `at://${auth.did}/${r.path}` })),
        },
      }
    },
    { auth: ctx.auth.access },
  )
}

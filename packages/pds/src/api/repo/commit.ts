// The write endpoints' shared last step: hand the batch to the repo writer (one atomic commit
// with its `#commit` event) and turn what can go wrong on the client's side into 4xx answers.
import { CID, DataError } from '@welkin/data'
import { InvalidMstKeyError, InvalidWriteError } from '@welkin/repo'
import { InvalidRequestError } from '@welkin/xrpc'
import { type PdsContext, toClientError } from '../../context.js'
import type { AppliedCommit, RepoWrite } from '../../repo-writer.js'

/** applyWrites' documented ceiling (and the repo library's per-commit limit). */
export const MAX_WRITES = 200

export async function commitWrites(
  ctx: PdsContext,
  did: string,
  writes: readonly RepoWrite[],
  swapCommit: CID | undefined,
): Promise<AppliedCommit> {
  try {
    return await ctx.store.writer.applyWrites(did, writes, { swapCommit })
  } catch (err) {
    // Creating a record that exists, updating one that does not, a record the encoder refuses:
    // the request's fault, not ours.
    if (err instanceof InvalidWriteError || err instanceof InvalidMstKeyError || err instanceof DataError)
      throw new InvalidRequestError(err.message)
    throw toClientError(err)
  }
}

/** `com.atproto.repo.defs#commitMeta`. */
export function commitMeta(commit: AppliedCommit): { cid: string; rev: string } {
  return { cid: commit.cid.toString(), rev: commit.rev }
}

/** The CID of the record at a path now (taken down or not: it is still in the tree), or null. */
export function currentRecordCid(ctx: PdsContext, did: string, collection: string, rkey: string): CID | null {
  const row = ctx.store.db
    .prepare('SELECT cid FROM record WHERE did = ? AND collection = ? AND rkey = ?')
    .get(did, collection, rkey) as { cid: Uint8Array } | undefined
  return row === undefined ? null : CID.decode(row.cid)
}

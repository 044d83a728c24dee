import type { CID } from '@welkin/data'

/** Base class of every error thrown by @welkin/repo. */
export class RepoError extends Error {
  override name = 'RepoError'
}

/** A block the operation needs is absent from the blockstore (or from a CAR slice). */
export class MissingBlockError extends RepoError {
  override name = 'MissingBlockError'
  constructor(
    readonly cid: CID,
    readonly what = 'block',
  ) {
    super(`missing ${what} ${cid.toString()}`)
  }
}

/** An MST node or key breaks repository.md "MST Structure" (or our size limits). */
export class InvalidMstError extends RepoError {
  override name = 'InvalidMstError'
}

/** A repo path that is not a valid MST key (repository.md "Repository Paths"). */
export class InvalidMstKeyError extends InvalidMstError {
  override name = 'InvalidMstKeyError'
  constructor(
    readonly key: string,
    reason: string,
  ) {
    super(`invalid MST key ${JSON.stringify(key.length > 80 ? `${key.slice(0, 80)}…` : key)}: ${reason}`)
  }
}

/** A commit object that is malformed, or whose signature does not verify. */
export class InvalidCommitError extends RepoError {
  override name = 'InvalidCommitError'
}

/** A write batch that cannot apply: creating an existing record, deleting an absent one... */
export class InvalidWriteError extends RepoError {
  override name = 'InvalidWriteError'
}

/** A record inclusion/absence proof that does not verify. */
export class InvalidProofError extends RepoError {
  override name = 'InvalidProofError'
}

/** Why a Sync 1.1 `#commit` event was rejected (sync.md "Message Validation Checklist"). */
export type CommitVerificationReason =
  | 'too-big'
  | 'bad-car'
  | 'commit-mismatch'
  | 'missing-block'
  | 'bad-commit'
  | 'did-mismatch'
  | 'rev-mismatch'
  | 'bad-signature'
  | 'bad-op'
  | 'op-mismatch'
  | 'bad-mst'
  | 'missing-prev-data'
  | 'inversion-mismatch'

export class CommitVerificationError extends RepoError {
  override name = 'CommitVerificationError'
  constructor(
    readonly reason: CommitVerificationReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`commit verification failed (${reason}): ${message}`, options)
  }
}

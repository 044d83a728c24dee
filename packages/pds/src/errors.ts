// Typed errors of @welkin/pds. Each says where and what failed; the XRPC layer maps them to
// `{error, message}` responses by class (the `xrpcError` names follow the lexicons' error names).

/** Base class of every error thrown by @welkin/pds. */
export class PdsError extends Error {
  override name = 'PdsError'
  /** The lexicon error name an endpoint should answer with, when there is one. */
  readonly xrpcError: string = 'InternalServerError'
}

/** A configuration value (usually an environment variable) is malformed. */
export class ConfigError extends PdsError {
  override name = 'ConfigError'
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`)
  }
}

/** The secrets file cannot be read, parsed or written. */
export class SecretsError extends PdsError {
  override name = 'SecretsError'
}

/** The database could not be opened or migrated, or holds something it should not. */
export class DatabaseError extends PdsError {
  override name = 'DatabaseError'
}

/** No account with this identifier exists on this server. */
export class AccountNotFoundError extends PdsError {
  override name = 'AccountNotFoundError'
  override readonly xrpcError = 'AccountNotFound'
  constructor(readonly identifier: string) {
    super(`no account ${identifier}`)
  }
}

/** The account exists but is not active (deactivated, taken down, suspended, deleted). */
export class AccountInactiveError extends PdsError {
  override name = 'AccountInactiveError'
  override readonly xrpcError = 'AccountDeactivated'
  constructor(
    readonly did: string,
    readonly status: string,
  ) {
    super(`account ${did} is ${status}`)
  }
}

export class HandleTakenError extends PdsError {
  override name = 'HandleTakenError'
  override readonly xrpcError = 'HandleNotAvailable'
  constructor(readonly handle: string) {
    super(`handle ${handle} is already taken`)
  }
}

export class EmailTakenError extends PdsError {
  override name = 'EmailTakenError'
  override readonly xrpcError = 'InvalidRequest'
  constructor() {
    super('email address is already in use')
  }
}

export class AccountExistsError extends PdsError {
  override name = 'AccountExistsError'
  override readonly xrpcError = 'AlreadyExists'
  constructor(readonly did: string) {
    super(`account ${did} already exists`)
  }
}

/** An invite code is required and missing, unknown, disabled or used up. */
export class InvalidInviteCodeError extends PdsError {
  override name = 'InvalidInviteCodeError'
  override readonly xrpcError = 'InvalidInviteCode'
}

/** A refresh token that is unknown, expired, revoked, or was used twice (the chain is revoked). */
export class InvalidRefreshTokenError extends PdsError {
  override name = 'InvalidRefreshTokenError'
  override readonly xrpcError = 'ExpiredToken'
}

/** A JWT that is malformed, wrongly signed, of the wrong kind or audience. */
export class InvalidTokenError extends PdsError {
  override name = 'InvalidTokenError'
  override readonly xrpcError: string = 'InvalidToken'
}

/** A JWT that is well formed and signed, but past its `exp`. */
export class ExpiredTokenError extends InvalidTokenError {
  override name = 'ExpiredTokenError'
  override readonly xrpcError = 'ExpiredToken'
}

/** swapCommit / swapRecord did not match the current state (com.atproto.repo.* `InvalidSwap`). */
export class InvalidSwapError extends PdsError {
  override name = 'InvalidSwapError'
  override readonly xrpcError = 'InvalidSwap'
}

/** The repo changed under a write in a way the per-DID queue should have prevented. */
export class ConcurrentWriteError extends PdsError {
  override name = 'ConcurrentWriteError'
}

/** No repo root for the DID: the account has no repository here. */
export class RepoNotFoundError extends PdsError {
  override name = 'RepoNotFoundError'
  override readonly xrpcError = 'RepoNotFound'
  constructor(readonly did: string) {
    super(`no repository for ${did}`)
  }
}

export class BlobNotFoundError extends PdsError {
  override name = 'BlobNotFoundError'
  override readonly xrpcError = 'BlobNotFound'
  constructor(
    readonly did: string,
    readonly cid: string,
  ) {
    super(`no blob ${cid} for ${did}`)
  }
}

export class BlobTooLargeError extends PdsError {
  override name = 'BlobTooLargeError'
  override readonly xrpcError = 'BlobTooLarge'
  constructor(readonly limit: number) {
    super(`blob is larger than the upload limit of ${limit} bytes`)
  }
}

/** The blob store's files are not what the database says (missing, unreadable). */
export class BlobStoreError extends PdsError {
  override name = 'BlobStoreError'
}

/** A write the repo cannot take as given: a record or a commit over the sync.md size limits. */
export class InvalidRepoWriteError extends PdsError {
  override name = 'InvalidRepoWriteError'
  override readonly xrpcError = 'InvalidRequest'
}

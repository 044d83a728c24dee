// Typed errors of @welkin/identity. Each says which step failed and why, so a directory can
// answer a bad operation with a 4xx and a message a person can act on.

export class IdentityError extends Error {
  override name = 'IdentityError'
}

/** Why a did:plc operation was refused; servers map every code to a 4xx. */
export type PlcOpErrorCode =
  /** Not an operation: wrong shape, wrong field types, unknown fields, bad key syntax. */
  | 'MalformedOperation'
  /** Larger than the directory's DAG-CBOR size limit. */
  | 'OperationTooLarge'
  /** A rotation or verification key that is not a supported, canonical did:key. */
  | 'UnsupportedKey'
  /** `sig` is not 64-byte compact low-S base64url, or no authorised rotation key made it. */
  | 'InvalidSignature'
  /** `prev` does not point at an op the new op may follow (including ops after a tombstone). */
  | 'MisorderedOperation'
  /** The genesis op does not hash to the DID it was submitted for. */
  | 'GenesisHashMismatch'
  /** A fork that would nullify ops older than the 72-hour recovery window. */
  | 'LateRecovery'

export class PlcOpError extends IdentityError {
  override name = 'PlcOpError'
  readonly code: PlcOpErrorCode

  constructor(code: PlcOpErrorCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.code = code
  }
}

/** A DID could not be resolved (not found, unsupported method, bad document, network). */
export class DidResolutionError extends IdentityError {
  override name = 'DidResolutionError'
  readonly did: string

  constructor(did: string, message: string, options?: ErrorOptions) {
    super(`resolving ${did}: ${message}`, options)
    this.did = did
  }
}

/** A DID document lacks, or has a malformed, atproto field that the caller required. */
export class DidDocumentError extends IdentityError {
  override name = 'DidDocumentError'
}

export class HandleResolutionError extends IdentityError {
  override name = 'HandleResolutionError'
  readonly handle: string

  constructor(handle: string, message: string, options?: ErrorOptions) {
    super(`resolving handle ${handle}: ${message}`, options)
    this.handle = handle
  }
}

/** safeFetch refused a destination (private address, bad scheme) before connecting. */
export class UnsafeUrlError extends IdentityError {
  override name = 'UnsafeUrlError'
}

/** safeFetch connected but the exchange failed: timeout, too large, bad status, redirect. */
export class FetchError extends IdentityError {
  override name = 'FetchError'
  readonly status: number | undefined

  constructor(message: string, status?: number, options?: ErrorOptions) {
    super(message, options)
    this.status = status
  }
}

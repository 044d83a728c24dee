// Typed errors of @welkin/plc. Operation validation errors come from @welkin/identity
// (PlcOpError); these cover storage and the HTTP edge.

export class PlcDirectoryError extends Error {
  override name = 'PlcDirectoryError'
}

/** The storage backend failed (I/O, schema, connection); never the client's fault. */
export class PlcStoreError extends PlcDirectoryError {
  override name = 'PlcStoreError'
}

/** A request the HTTP layer refuses before any directory logic: answered with `status`. */
export class HttpError extends PlcDirectoryError {
  override name = 'HttpError'
  readonly status: number
  readonly code: string

  constructor(status: number, code: string, message: string) {
    super(message)
    this.status = status
    this.code = code
  }
}

/**
 * A write refused by a rate limit (per DID or per client): answered 429 with Retry-After.
 * `retryAfter` is in whole seconds, at least 1.
 */
export class RateLimitedError extends PlcDirectoryError {
  override name = 'RateLimitedError'
  readonly retryAfter: number

  constructor(message: string, retryAfter: number) {
    super(message)
    this.retryAfter = Math.max(1, Math.ceil(retryAfter))
  }
}

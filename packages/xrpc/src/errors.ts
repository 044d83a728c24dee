// Typed errors of @welkin/xrpc. An XrpcError thrown anywhere in a handler becomes the response
// `{error, message}` with its status (xrpc.md, "Error Responses"); any other error becomes a
// logged 500 whose details never reach the client.
import { STATUS_CODES } from 'node:http'

export interface XrpcErrorOptions extends ErrorOptions {
  /** Extra response headers (Retry-After, WWW-Authenticate, RateLimit-*). */
  headers?: Record<string, string>
}

/** An error with an HTTP status and an XRPC error name (an ASCII constant, no whitespace). */
export class XrpcError extends Error {
  override name = 'XrpcError'
  readonly status: number
  readonly error: string
  readonly headers: Record<string, string> | undefined

  constructor(status: number, error: string, message?: string, options: XrpcErrorOptions = {}) {
    super(message || STATUS_CODES[status] || error, options)
    this.status = status
    this.error = error
    this.headers = options.headers
  }

  /** The response body, `{error, message}`. */
  toJSON(): { error: string; message: string } {
    return { error: this.error, message: this.message }
  }
}

/** 400: the request was malformed or failed validation; `error` may name a lexicon error. */
export class InvalidRequestError extends XrpcError {
  override name = 'InvalidRequestError'
  constructor(message?: string, error = 'InvalidRequest', options?: XrpcErrorOptions) {
    super(400, error, message, options)
  }
}

/** 401: credentials missing or invalid. Carries `WWW-Authenticate` (xrpc.md, status codes). */
export class AuthRequiredError extends XrpcError {
  override name = 'AuthRequiredError'
  constructor(message?: string, error = 'AuthenticationRequired', options: XrpcErrorOptions = {}) {
    super(401, error, message, {
      ...options,
      headers: { 'WWW-Authenticate': 'Bearer', ...options.headers },
    })
  }
}

/** 403: authenticated, but not allowed to do this. */
export class ForbiddenError extends XrpcError {
  override name = 'ForbiddenError'
  constructor(message?: string, error = 'Forbidden', options?: XrpcErrorOptions) {
    super(403, error, message, options)
  }
}

/** 404: no such resource (or, outside /xrpc/, no such route). */
export class NotFoundError extends XrpcError {
  override name = 'NotFoundError'
  constructor(message?: string, error = 'NotFound', options?: XrpcErrorOptions) {
    super(404, error, message, options)
  }
}

/** 405: the method exists but is called with the wrong HTTP verb. */
export class MethodNotAllowedError extends XrpcError {
  override name = 'MethodNotAllowedError'
  constructor(allow: string, message?: string) {
    super(405, 'MethodNotAllowed', message, { headers: { Allow: allow } })
  }
}

/** 413: the request body is over the limit. */
export class PayloadTooLargeError extends XrpcError {
  override name = 'PayloadTooLargeError'
  constructor(message?: string, error = 'PayloadTooLarge', options?: XrpcErrorOptions) {
    super(413, error, message, options)
  }
}

/** 429: a rate limit was hit; the headers say when to come back. */
export class RateLimitExceededError extends XrpcError {
  override name = 'RateLimitExceededError'
  constructor(message?: string, options?: XrpcErrorOptions) {
    super(429, 'RateLimitExceeded', message, options)
  }
}

/** 500: our fault. The message is generic unless one is given on purpose. */
export class InternalServerError extends XrpcError {
  override name = 'InternalServerError'
  constructor(message = 'Internal Server Error', error = 'InternalServerError', options?: XrpcErrorOptions) {
    super(500, error, message, options)
  }
}

/** 501: the method is well-formed but this server does not implement it (xrpc.md, status codes). */
export class MethodNotImplementedError extends XrpcError {
  override name = 'MethodNotImplementedError'
  constructor(
    message = 'Method Not Implemented',
    error = 'MethodNotImplemented',
    options?: XrpcErrorOptions,
  ) {
    super(501, error, message, options)
  }
}

/** 502: a service we depend on failed. */
export class UpstreamFailureError extends XrpcError {
  override name = 'UpstreamFailureError'
  constructor(message?: string, error = 'UpstreamFailure', options?: XrpcErrorOptions) {
    super(502, error, message, options)
  }
}

/** 504: a service we depend on did not answer in time. */
export class UpstreamTimeoutError extends XrpcError {
  override name = 'UpstreamTimeoutError'
  constructor(message?: string, error = 'UpstreamTimeout', options?: XrpcErrorOptions) {
    super(504, error, message, options)
  }
}

/** A method, route or option was registered wrongly: a programming error, raised at startup. */
export class XrpcConfigError extends Error {
  override name = 'XrpcConfigError'
}

/**
 * A call made with XrpcClient failed: a non-2xx answer (`status` and the server's `error` name),
 * or no usable answer at all (`status` 0 with `NetworkError`, `Timeout` or `Aborted`).
 */
export class XrpcClientError extends Error {
  override name = 'XrpcClientError'
  constructor(
    readonly status: number,
    readonly error: string,
    message: string,
    readonly headers: Record<string, string> = {},
    options?: ErrorOptions,
  ) {
    super(message, options)
  }
}

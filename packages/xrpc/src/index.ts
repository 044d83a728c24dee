// @welkin/xrpc: the HTTP edge of Welkin's services (xrpc.md, event-stream.md). A node:http
// server routing `/xrpc/<nsid>` to query and procedure handlers, validated by lexicons when
// they are known, with event streams over WebSocket on the same port, plain routes, auth and
// rate-limit helpers, strict limits on everything a client sends; and a small client to call
// other services with.

export { adminBasicAuth, parseBasic, parseBearer, safeEqual } from './auth.js'
export {
  type CallOptions,
  type QueryParams,
  XrpcClient,
  type XrpcClientOptions,
  type XrpcResponse,
} from './client.js'
export {
  AuthRequiredError,
  ForbiddenError,
  InternalServerError,
  InvalidRequestError,
  MethodNotAllowedError,
  MethodNotImplementedError,
  NotFoundError,
  PayloadTooLargeError,
  RateLimitExceededError,
  UpstreamFailureError,
  UpstreamTimeoutError,
  XrpcClientError,
  XrpcConfigError,
  XrpcError,
  type XrpcErrorOptions,
} from './errors.js'
export { encodeErrorFrame, encodeMessageFrame } from './frames.js'
export { stringifyBody } from './json.js'
export {
  type RateLimit,
  type RateLimitContext,
  RateLimiter,
  type RateLimiterOptions,
  type RateLimitResult,
} from './rate-limit.js'
export { createXrpcServer, XrpcServer, type XrpcServerOptions } from './server.js'
export type { SubscriptionLimits } from './subscription.js'
export type * from './types.js'

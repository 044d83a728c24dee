// The shapes handlers see and return, shared by the server, the subscription runner and the routes.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { DataValue } from '@welkin/data'
import type { RateLimit } from './rate-limit.js'

export type XrpcMethodType = 'query' | 'procedure'
export type XrpcParams = Record<string, unknown>

/** A JSON request body. */
export interface JsonInput {
  /** The request's MIME type, without parameters: `application/json`. */
  encoding: string
  /** The JSON as sent. */
  body: unknown
  /**
   * The body in data-model form (`$link` as CID, `$bytes` as Uint8Array). When the method has a
   * lexicon input schema this is the validated value with the schema's defaults filled in; it is
   * computed on first read otherwise, throwing a 400 if the body is not atproto data (floats...).
   */
  readonly data: DataValue
}

/** A binary (or otherwise non-JSON) body, streamed; reading past the limit throws a 413. */
export interface StreamInput {
  encoding: string
  /** The body's bytes, readable once. */
  stream: AsyncIterable<Uint8Array>
  /** The declared Content-Length, when the client sent one. */
  length: number | undefined
}

export type HandlerInput = JsonInput | StreamInput | undefined

export interface JsonOutput {
  encoding: 'application/json'
  /** JSON-ready data; CIDs (through toJSON) and Uint8Array (as `$bytes`) are encoded too. */
  body: unknown
  headers?: Record<string, string>
  status?: number
}

export interface BinaryOutput {
  encoding: string
  /** Sent with a Content-Length, or streamed (chunked) with backpressure. */
  body: Uint8Array | AsyncIterable<Uint8Array>
  headers?: Record<string, string>
  status?: number
}

/** What a handler returns; nothing means 200 with an empty body (unless it wrote `res` itself). */
export type HandlerOutput = JsonOutput | BinaryOutput

export interface HandlerContext<A = unknown> {
  nsid: string
  /** Query parameters: validated, coerced and defaulted by the lexicon when there is one. */
  params: XrpcParams
  input: HandlerInput
  /** What the method's auth verifier returned (undefined without one). */
  auth: A
  req: IncomingMessage
  res: ServerResponse
  /** Aborted when the client goes away or the server shuts down. */
  signal: AbortSignal
}

/** Handlers that answer through `res` themselves may return nothing, hence `void`. */
export type Handler<A = unknown> = (ctx: HandlerContext<A>) => Promise<MaybeOutput> | MaybeOutput

// biome-ignore lint/suspicious/noConfusingVoidType: lets block-bodied handlers that return nothing type-check
export type MaybeOutput = HandlerOutput | undefined | void

export interface AuthContext {
  nsid: string
  req: IncomingMessage
  params: XrpcParams
}

/** Returns credentials, or throws AuthRequiredError / ForbiddenError. */
export type AuthVerifier<A = unknown> = (ctx: AuthContext) => A | Promise<A>

export interface MethodOptions<A = unknown> {
  /** Needed only when no lexicon defines the method. */
  type?: XrpcMethodType
  auth?: AuthVerifier<A>
  rateLimit?: RateLimit | RateLimit[]
  /** Largest JSON body accepted (default: the server's maxJsonBytes). */
  maxJsonBytes?: number
  /** Largest non-JSON body accepted (default: the server's maxBlobBytes). */
  blobLimit?: number
}

/** A message the server encodes as an event-stream frame: header `{op: 1, t}` then `body`. */
export interface SubscriptionMessage {
  /** The message type in short form, like `#commit` (event-stream.md, "Framing"). */
  t: string
  body: DataValue
}

export interface SubscriptionContext<A = unknown> {
  nsid: string
  params: XrpcParams
  auth: A
  req: IncomingMessage
  /** Aborted when the socket closes for any reason; stop producing then. */
  signal: AbortSignal
}

/** Yields ready-made frames (bytes) or messages; throwing an XrpcError sends an error frame. */
export type SubscriptionHandler<A = unknown> = (
  ctx: SubscriptionContext<A>,
) => AsyncIterable<Uint8Array | SubscriptionMessage>

export interface SubscriptionOptions<A = unknown> {
  auth?: AuthVerifier<A>
  rateLimit?: RateLimit | RateLimit[]
}

export interface RouteContext {
  req: IncomingMessage
  res: ServerResponse
  /** The path without the query string. */
  path: string
  query: URLSearchParams
  signal: AbortSignal
}

export type RouteHandler = (ctx: RouteContext) => Promise<MaybeOutput> | MaybeOutput

/** Where the server reports what clients must not see: 500s and their stacks, dropped sockets. */
export interface XrpcLogger {
  error(message: string, details?: Record<string, unknown>): void
  warn(message: string, details?: Record<string, unknown>): void
}

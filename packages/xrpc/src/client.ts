// A small fetch-based XRPC client for services calling each other (xrpc.md): params as a query
// string, JSON or binary bodies, `{error, message}` answers turned into XrpcClientError, response
// size capped, timeouts and AbortSignal honoured. Redirects are not followed.
import { XrpcClientError } from './errors.js'
import { stringifyBody } from './json.js'

export interface XrpcClientOptions {
  fetch?: typeof globalThis.fetch
  /** Sent with every call; a function is called per call (for short-lived tokens). */
  headers?: Record<string, string> | (() => Record<string, string> | Promise<Record<string, string>>)
  /** Per call, unless the call says otherwise (default 30 s). */
  timeoutMs?: number
  /** Largest response body read (default 16 MiB). */
  maxResponseBytes?: number
}

export interface CallOptions {
  headers?: Record<string, string>
  signal?: AbortSignal
  timeoutMs?: number
  maxResponseBytes?: number
  /** Content-Type of a Uint8Array input (default application/octet-stream). */
  encoding?: string
}

export interface XrpcResponse<T = unknown> {
  status: number
  headers: Record<string, string>
  /** Parsed JSON for JSON answers, bytes for anything else, undefined when empty. */
  body: T
}

export type QueryParams = Record<string, unknown>

const utf8 = new TextDecoder()

// Error names for answers that carry no XRPC error body (xrpc.md, "Summary of HTTP Status Codes").
const STATUS_ERRORS: Record<number, string> = {
  400: 'InvalidRequest',
  401: 'AuthenticationRequired',
  403: 'Forbidden',
  404: 'NotFound',
  413: 'PayloadTooLarge',
  429: 'RateLimitExceeded',
  500: 'InternalServerError',
  501: 'MethodNotImplemented',
  502: 'UpstreamFailure',
  503: 'NotEnoughResources',
  504: 'UpstreamTimeout',
}

function paramValue(v: unknown): string {
  if (v instanceof Date) return v.toISOString()
  return String(v)
}

export function encodeParams(params: QueryParams | undefined): string {
  if (params === undefined) return ''
  const search = new URLSearchParams()
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null) continue
    if (Array.isArray(value)) for (const item of value) search.append(key, paramValue(item))
    else search.append(key, paramValue(value))
  }
  const text = search.toString()
  return text === '' ? '' : `?${text}`
}

export class XrpcClient {
  readonly serviceUrl: string
  readonly #opts: XrpcClientOptions
  readonly #fetch: typeof globalThis.fetch

  constructor(serviceUrl: string | URL, opts: XrpcClientOptions = {}) {
    // XRPC paths are always top-level (xrpc.md), so only the origin of the URL matters.
    this.serviceUrl = new URL(serviceUrl).origin
    this.#opts = opts
    this.#fetch = opts.fetch ?? globalThis.fetch
  }

  query<T = unknown>(nsid: string, params?: QueryParams, opts: CallOptions = {}): Promise<XrpcResponse<T>> {
    return this.#call('GET', nsid, params, undefined, opts)
  }

  procedure<T = unknown>(
    nsid: string,
    params?: QueryParams,
    input?: unknown,
    opts: CallOptions = {},
  ): Promise<XrpcResponse<T>> {
    return this.#call('POST', nsid, params, input, opts)
  }

  async #call<T>(
    method: string,
    nsid: string,
    params: QueryParams | undefined,
    input: unknown,
    opts: CallOptions,
  ): Promise<XrpcResponse<T>> {
    const base = this.#opts.headers
    const headers: Record<string, string> = {
      ...(typeof base === 'function' ? await base() : base),
      ...opts.headers,
    }
    let body: string | Uint8Array | undefined
    if (input instanceof Uint8Array) {
      body = input
      headers['content-type'] = opts.encoding ?? 'application/octet-stream'
    } else if (input !== undefined) {
      body = stringifyBody(input)
      headers['content-type'] = 'application/json'
    }
    const timeout = AbortSignal.timeout(opts.timeoutMs ?? this.#opts.timeoutMs ?? 30_000)
    const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout
    const url = `${this.serviceUrl}/xrpc/${nsid}${encodeParams(params)}`
    let res: Response
    try {
      res = await this.#fetch(url, {
        method,
        headers,
        body: body as BodyInit | undefined,
        signal,
        redirect: 'manual',
      })
    } catch (err) {
      throw failure(err, timeout, opts.signal)
    }
    const limit = opts.maxResponseBytes ?? this.#opts.maxResponseBytes ?? 16 * 1024 * 1024
    const resHeaders: Record<string, string> = {}
    res.headers.forEach((value, key) => {
      resHeaders[key] = value
    })
    let bytes: Uint8Array
    try {
      bytes = await readLimited(res, limit)
    } catch (err) {
      if (err instanceof XrpcClientError) throw err
      throw failure(err, timeout, opts.signal)
    }
    const isJson = (resHeaders['content-type'] ?? '').toLowerCase().startsWith('application/json')
    if (res.status < 200 || res.status > 299) throw errorFrom(res.status, resHeaders, bytes, isJson)
    let parsed: unknown
    if (bytes.length === 0) parsed = undefined
    else if (isJson) {
      try {
        parsed = JSON.parse(utf8.decode(bytes))
      } catch {
        throw new XrpcClientError(
          res.status,
          'InvalidResponse',
          `${nsid}: response is not valid JSON`,
          resHeaders,
        )
      }
    } else parsed = bytes
    return { status: res.status, headers: resHeaders, body: parsed as T }
  }
}

function failure(err: unknown, timeout: AbortSignal, user: AbortSignal | undefined): XrpcClientError {
  if (user?.aborted) return new XrpcClientError(0, 'Aborted', 'The call was aborted', {}, { cause: err })
  if (timeout.aborted) return new XrpcClientError(0, 'Timeout', 'The call timed out', {}, { cause: err })
  const message = err instanceof Error ? err.message : String(err)
  return new XrpcClientError(0, 'NetworkError', `The call failed: ${message}`, {}, { cause: err })
}

async function readLimited(res: Response, limit: number): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length') ?? Number.NaN)
  const tooLarge = () =>
    new XrpcClientError(res.status, 'ResponseTooLarge', `Response is over the limit of ${limit} bytes`)
  if (declared > limit) {
    await res.body?.cancel().catch(() => {})
    throw tooLarge()
  }
  if (res.body === null) return new Uint8Array(0)
  const reader = res.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > limit) {
      await reader.cancel().catch(() => {})
      throw tooLarge()
    }
    chunks.push(value)
  }
  if (chunks.length === 1) return chunks[0]
  return Buffer.concat(chunks, size)
}

function errorFrom(
  status: number,
  headers: Record<string, string>,
  bytes: Uint8Array,
  isJson: boolean,
): XrpcClientError {
  let error = STATUS_ERRORS[status] ?? (status >= 300 && status < 400 ? 'Redirect' : 'Unknown')
  let message = `HTTP ${status}`
  if (isJson) {
    try {
      const body = JSON.parse(utf8.decode(bytes)) as { error?: unknown; message?: unknown }
      if (typeof body.error === 'string' && body.error !== '') error = body.error
      if (typeof body.message === 'string') message = body.message
    } catch {
      // Not the XRPC error shape (xrpc.md: clients must cope with proxies' error pages).
    }
  }
  return new XrpcClientError(status, error, message, headers)
}

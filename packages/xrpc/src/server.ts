// The XRPC server: node:http with a method table keyed by NSID (xrpc.md, "Lexicon HTTP
// Endpoints"), event streams on the same port, plain routes beside them, and a graceful close.
import {
  createServer,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import type { Lexicons } from '@welkin/lexicon'
import { isValidNsid } from '@welkin/syntax'
import { corsPreflight } from './cors.js'
import { type DispatchConfig, dispatchMethod, finalHeaders } from './dispatch.js'
import {
  MethodNotAllowedError,
  MethodNotImplementedError,
  NotFoundError,
  XrpcConfigError,
  XrpcError,
} from './errors.js'
import { answerClientError } from './http-errors.js'
import type { RateLimit } from './rate-limit.js'
import { writeRawError } from './raw-http.js'
import { type MethodEntry, methodEntry, type SubscriptionEntry, subscriptionEntry } from './registry.js'
import { sendError } from './respond.js'
import { RouteTable, runRoute } from './routes.js'
import { SubscriptionHub, type SubscriptionLimits } from './subscription.js'
import type {
  Handler,
  MethodOptions,
  RouteHandler,
  SubscriptionHandler,
  SubscriptionOptions,
  XrpcLogger,
} from './types.js'

export interface XrpcServerOptions {
  /** Methods these lexicons define are typed and validated by them. */
  lexicons?: Lexicons
  /** Check handlers' JSON output against the lexicon (a mismatch is a logged 500). Default false. */
  validateOutput?: boolean
  /** Largest JSON request body (default 1 MiB). */
  maxJsonBytes?: number
  /** Largest non-JSON request body, unless a method sets its own blobLimit (default 5 MiB). */
  maxBlobBytes?: number
  /** Longest request URL, path and query (default 8 KiB). */
  maxUrlBytes?: number
  /** Largest request head, request line plus headers (default 16 KiB). */
  maxHeaderBytes?: number
  /** Answer CORS preflights and allow any origin (xrpc.md: encouraged). Default false. */
  cors?: boolean
  logger?: XrpcLogger
  /** What `GET /xrpc/_health` reports. */
  version?: string
  /** Limits applied to every method and stream, before their own. */
  rateLimit?: RateLimit | RateLimit[]
  timeouts?: {
    /** To receive a request's headers (default 20 s). */
    headersMs?: number
    /** To receive a whole request, body included (default 120 s). */
    requestMs?: number
    /** An idle keep-alive connection is closed after this (default 15 s). */
    keepAliveMs?: number
    /** A socket with no traffic either way for this long is closed, e.g. a reader that stalled (default 120 s). */
    idleMs?: number
  }
  /** How long close() waits for in-flight requests before cutting them (default 2 s). */
  closeGraceMs?: number
  subscriptions?: SubscriptionLimits
}

const consoleLogger: XrpcLogger = {
  error: (message, details) => console.error(message, details ?? ''),
  warn: (message, details) => console.warn(message, details ?? ''),
}

const XRPC_PREFIX = '/xrpc/'
export const DEFAULT_VERSION = '0.1.0'

export class XrpcServer {
  /** The raw request listener, to drive the server without a port or mount it elsewhere. */
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void
  readonly server: Server
  readonly #methods = new Map<string, MethodEntry>()
  readonly #subs = new Map<string, SubscriptionEntry>()
  readonly #routes = new RouteTable()
  readonly #hub: SubscriptionHub
  readonly #opts: XrpcServerOptions
  readonly #cfg: DispatchConfig
  readonly #maxUrl: number
  #closing: Promise<void> | undefined

  constructor(opts: XrpcServerOptions = {}) {
    this.#opts = opts
    this.#maxUrl = opts.maxUrlBytes ?? 8 * 1024
    const logger = opts.logger ?? consoleLogger
    const rateLimits = opts.rateLimit === undefined ? [] : [opts.rateLimit].flat()
    const staticHeaders: OutgoingHttpHeaders = { 'X-Content-Type-Options': 'nosniff' }
    if (opts.cors) {
      staticHeaders['Access-Control-Allow-Origin'] = '*'
      staticHeaders['Access-Control-Expose-Headers'] =
        'RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, RateLimit-Policy, Retry-After, WWW-Authenticate'
    }
    this.#cfg = {
      validateOutput: opts.validateOutput ?? false,
      logger,
      rateLimits,
      baseHeaders: () => ({ ...staticHeaders }),
      closing: () => this.#closing !== undefined,
    }
    this.#hub = new SubscriptionHub(opts.subscriptions ?? {}, logger, rateLimits)
    this.handler = (req, res) => {
      this.#handle(req, res)?.catch((err) => {
        logger.error('xrpc: request handling failed', { err })
        if (!res.headersSent) res.destroy()
      })
    }
    const t = opts.timeouts ?? {}
    const headersMs = t.headersMs ?? 20_000
    this.server = createServer(
      {
        maxHeaderSize: opts.maxHeaderBytes ?? 16 * 1024,
        headersTimeout: headersMs,
        requestTimeout: t.requestMs ?? 120_000,
        keepAliveTimeout: t.keepAliveMs ?? 15_000,
        // How often the two timeouts above are checked; Node's default (30 s) makes them coarse.
        connectionsCheckingInterval: Math.min(2_000, Math.max(50, Math.floor(headersMs / 4))),
        noDelay: true,
      },
      this.handler,
    )
    // Without a 'timeout' listener Node destroys the idle socket, which is what we want.
    this.server.setTimeout(t.idleMs ?? 120_000)
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.#upgrade(req, socket, head),
    )
    this.server.on('clientError', answerClientError)
  }

  /** Serves a query or procedure. Its type comes from the lexicon, or from `opts.type` without one. */
  method<A = unknown>(nsid: string, handler: Handler<A>, opts: MethodOptions<A> = {}): this {
    if (this.#methods.has(nsid) || this.#subs.has(nsid))
      throw new XrpcConfigError(`${nsid} is already registered`)
    const defaults = {
      lexicons: this.#opts.lexicons,
      maxJsonBytes: this.#opts.maxJsonBytes ?? 1024 * 1024,
      maxBlobBytes: this.#opts.maxBlobBytes ?? 5 * 1024 * 1024,
    }
    this.#methods.set(
      nsid,
      methodEntry(nsid, handler as Handler<unknown>, opts as MethodOptions<unknown>, defaults),
    )
    return this
  }

  /** Serves an event stream over WebSocket at `/xrpc/<nsid>`. */
  subscription<A = unknown>(
    nsid: string,
    handler: SubscriptionHandler<A>,
    opts: SubscriptionOptions<A> = {},
  ): this {
    if (this.#methods.has(nsid) || this.#subs.has(nsid))
      throw new XrpcConfigError(`${nsid} is already registered`)
    const entry = subscriptionEntry(
      nsid,
      handler as SubscriptionHandler<unknown>,
      opts as SubscriptionOptions<unknown>,
      this.#opts.lexicons,
    )
    this.#subs.set(nsid, entry)
    return this
  }

  /** A non-XRPC route: exact path, or a prefix when it ends in `*`; verb `*` matches any. */
  route(method: string, path: string, handler: RouteHandler): this {
    this.#routes.add(method, path, handler)
    return this
  }

  /** Open event streams. */
  get streamCount(): number {
    return this.#hub.size
  }

  /** Binds to `host` (default 127.0.0.1); port 0 picks a free port. */
  listen(port: number, host = '127.0.0.1'): Promise<{ url: string; port: number }> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err)
      this.server.once('error', onError)
      this.server.listen(port, host, () => {
        this.server.off('error', onError)
        const addr = this.server.address() as AddressInfo
        const shown = addr.address.includes(':') ? `[${addr.address}]` : addr.address
        resolve({ url: `http://${shown}:${addr.port}`, port: addr.port })
      })
    })
  }

  /**
   * Stops accepting connections, closes idle keep-alive sockets at once and busy ones after their
   * response, sends streams a Going Away close, and cuts whatever is left after `closeGraceMs`.
   */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown()
    return this.#closing
  }

  async #shutdown(): Promise<void> {
    const grace = this.#opts.closeGraceMs ?? 2_000
    const closed = new Promise<void>((resolve) => {
      if (!this.server.listening) return resolve()
      this.server.close(() => resolve())
    })
    this.#hub.closeAll()
    this.server.closeIdleConnections()
    // Busy sockets become idle as their responses finish (each carries Connection: close).
    const sweep = setInterval(() => this.server.closeIdleConnections(), 25)
    const deadline = new Promise<void>((resolve) => setTimeout(resolve, grace).unref())
    await Promise.race([closed, deadline])
    clearInterval(sweep)
    this.server.closeAllConnections()
    this.#hub.terminateAll()
    await closed
  }

  /** The hot path: a registered method or route; everything else goes to #fallback. */
  #handle(req: IncomingMessage, res: ServerResponse): Promise<void> | undefined {
    const url = req.url ?? '/'
    const q = url.indexOf('?')
    const path = q === -1 ? url : url.slice(0, q)
    const search = q === -1 ? '' : url.slice(q + 1)
    if (url.length <= this.#maxUrl) {
      if (path.startsWith(XRPC_PREFIX)) {
        const m = this.#methods.get(path.slice(XRPC_PREFIX.length))
        if (m !== undefined) return dispatchMethod(this.#cfg, m, req, res, search)
      }
      const route =
        req.method === 'OPTIONS' && this.#opts.cors ? undefined : this.#routes.find(req.method ?? 'GET', path)
      if (route !== undefined) return runRoute(this.#cfg, route, req, res, path, search)
    }
    this.#fallback(req, res, url, path)
    return undefined
  }

  #fallback(req: IncomingMessage, res: ServerResponse, url: string, path: string): void {
    const nsid = path.startsWith(XRPC_PREFIX) ? path.slice(XRPC_PREFIX.length) : undefined
    if (url.length > this.#maxUrl)
      this.#fail(req, res, new XrpcError(414, 'InvalidRequest', `URL is longer than ${this.#maxUrl} bytes`))
    else if (req.method === 'OPTIONS' && this.#opts.cors) corsPreflight(req, res)
    else if (nsid === undefined) this.#fail(req, res, new NotFoundError())
    else if (nsid === '_health') this.#health(req, res)
    else if (this.#subs.has(nsid)) {
      // event-stream.md, "Connection": streams only answer WebSocket upgrades.
      const upgrade = new XrpcError(
        426,
        'InvalidRequest',
        `${nsid} is an event stream: connect with WebSocket`,
      )
      this.#fail(req, res, req.method === 'GET' ? upgrade : new MethodNotAllowedError('GET'))
    } else {
      const err = isValidNsid(nsid)
        ? new MethodNotImplementedError()
        : new NotFoundError('Not an XRPC method')
      this.#fail(req, res, err)
    }
  }

  #health(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      this.#fail(req, res, new MethodNotAllowedError('GET, HEAD'))
      return
    }
    const headers = finalHeaders(this.#cfg, this.#cfg.baseHeaders())
    const body = JSON.stringify({ version: this.#opts.version ?? DEFAULT_VERSION })
    headers['Content-Type'] = 'application/json; charset=utf-8'
    headers['Content-Length'] = Buffer.byteLength(body)
    res.writeHead(200, headers)
    res.end(body)
  }

  #fail(req: IncomingMessage, res: ServerResponse, err: XrpcError): void {
    sendError(req, res, err, finalHeaders(this.#cfg, this.#cfg.baseHeaders()))
  }

  #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy())
    const url = req.url ?? '/'
    const q = url.indexOf('?')
    const path = q === -1 ? url : url.slice(0, q)
    const entry = path.startsWith(XRPC_PREFIX) ? this.#subs.get(path.slice(XRPC_PREFIX.length)) : undefined
    if (this.#closing) writeRawError(socket, new XrpcError(503, 'NotEnoughResources', 'Shutting down'))
    else if (url.length > this.#maxUrl)
      writeRawError(socket, new XrpcError(414, 'InvalidRequest', 'URL too long'))
    else if (entry !== undefined)
      this.#hub.upgrade(entry, req, socket, head, q === -1 ? '' : url.slice(q + 1))
    else if (path.startsWith(XRPC_PREFIX))
      writeRawError(socket, new MethodNotImplementedError('No event stream here'))
    else writeRawError(socket, new NotFoundError())
  }
}

/** A new XRPC server; register methods, then `listen()`. */
export function createXrpcServer(opts: XrpcServerOptions = {}): XrpcServer {
  return new XrpcServer(opts)
}

// Routes of the directory (did:plc spec: resolution, audit logs, bulk export), on node:http
// without a framework. Every refusal is a 4xx with `{error, message}`; a 5xx means the
// directory itself failed, never that the input was bad.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { PlcOpError } from '@welkin/identity'
import type { PlcDirectory } from '../directory.js'
import { HttpError, PlcStoreError, RateLimitedError } from '../errors.js'
import { type ClientRateLimit, ClientRateLimiter, clientAddress } from './client-limit.js'
import { readJson, send, sendError, sendJson } from './io.js'

export interface PlcHandlerOptions {
  /** Largest accepted POST body (default 64 KiB; an op is at most 7.5 KB of CBOR). */
  maxBodyBytes?: number
  /** Reported by /_health. */
  version?: string
  /** Called with unexpected errors (a 5xx), for logging. */
  onError?: (err: unknown, req: IncomingMessage) => void
  /**
   * Token bucket per client address on POSTs (default 60/s, burst 300, 10,000 clients
   * remembered); `false` turns it off. Answered 429 with Retry-After.
   */
  postRateLimit?: ClientRateLimit | false
  /**
   * How many reverse proxies sit in front of the directory (default 0). Only then is
   * X-Forwarded-For believed, and only the entries those proxies appended.
   */
  trustedProxies?: number
}

export const DEFAULT_MAX_BODY_BYTES = 64 * 1024
const DID_DOC_TYPE = 'application/did+ld+json'

type Handler = (req: IncomingMessage, res: ServerResponse) => void

function notFound(did: string, tombstoned: boolean): HttpError {
  return tombstoned
    ? new HttpError(404, 'DidTombstoned', `DID not available: ${did} was deactivated by a tombstone`)
    : new HttpError(404, 'NotFound', `DID not registered: ${did}`)
}

function methodNotAllowed(res: ServerResponse, allow: string): never {
  res.setHeader('allow', allow)
  throw new HttpError(405, 'MethodNotAllowed', `only ${allow} are allowed here`)
}

function isRead(method: string | undefined): boolean {
  return method === 'GET' || method === 'HEAD'
}

function parseCount(raw: string | null): number {
  if (raw === null) return 1000
  const n = /^\d{1,9}$/.test(raw) ? Number(raw) : Number.NaN
  if (!(n >= 1))
    throw new HttpError(
      400,
      'InvalidRequest',
      `count must be a positive integer, got ${JSON.stringify(raw.slice(0, 40))}`,
    )
  return n
}

async function exportOps(dir: PlcDirectory, query: URLSearchParams, res: ServerResponse): Promise<void> {
  const count = parseCount(query.get('count'))
  const after = query.get('after')
  let entries: unknown[]
  if (after !== null && /^\d{1,15}$/.test(after)) {
    entries = await dir.exportBySeq(Number(after), count)
  } else {
    let since: string | undefined
    if (after !== null && after !== '') {
      const t = Date.parse(after)
      if (Number.isNaN(t)) {
        throw new HttpError(
          400,
          'InvalidRequest',
          `after must be a sequence number or an ISO datetime, got ${JSON.stringify(after.slice(0, 40))}`,
        )
      }
      since = new Date(t).toISOString()
    }
    entries = await dir.exportByTime(since, count)
  }
  // JSON lines without a trailing newline, as the public directory writes them.
  send(res, 200, entries.map((e) => JSON.stringify(e)).join('\n'), 'application/jsonlines')
}

async function didRoute(
  dir: PlcDirectory,
  req: IncomingMessage,
  res: ServerResponse,
  did: string,
  sub: string,
  opts: PlcHandlerOptions,
) {
  if (sub === '') {
    if (req.method === 'POST') {
      const body = await readJson(req, opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES)
      const stored = await dir.submit(did, body)
      return sendJson(res, 200, { did, cid: stored.cid, createdAt: stored.createdAt })
    }
    if (!isRead(req.method)) methodNotAllowed(res, 'GET, HEAD, POST')
    const doc = await dir.getDocument(did)
    if (typeof doc === 'string') throw notFound(did, doc === 'tombstoned')
    return sendJson(res, 200, doc, DID_DOC_TYPE)
  }
  if (!isRead(req.method)) methodNotAllowed(res, 'GET, HEAD')
  switch (sub) {
    case 'data': {
      const state = await dir.getState(did)
      if (state.status !== 'active') throw notFound(did, state.status === 'tombstoned')
      return sendJson(res, 200, state.data)
    }
    case 'log': {
      const log = await dir.getLog(did)
      if (!log) throw notFound(did, false)
      return sendJson(res, 200, log)
    }
    case 'log/audit': {
      const log = await dir.getAuditLog(did)
      if (!log) throw notFound(did, false)
      return sendJson(res, 200, log)
    }
    case 'log/last': {
      const last = await dir.getLastOp(did)
      if (!last) throw notFound(did, false)
      return sendJson(res, 200, last)
    }
  }
  throw new HttpError(404, 'NotFound', `no such route: /${did}/${sub}`)
}

async function route(
  dir: PlcDirectory,
  req: IncomingMessage,
  res: ServerResponse,
  opts: PlcHandlerOptions,
  limiter: ClientRateLimiter | undefined,
) {
  if (req.method === 'POST' && limiter) {
    const client = clientAddress(req, opts.trustedProxies)
    const wait = limiter.take(client)
    if (wait > 0) {
      // Refused before reading the body: don't spend bandwidth on it, drop the connection after.
      res.setHeader('connection', 'close')
      throw new RateLimitedError(`too many requests from ${client}; retry in ${wait} s`, wait)
    }
  }
  const url = new URL(req.url ?? '/', 'http://plc.invalid')
  const path = url.pathname
  // /xrpc/_health too: every Welkin HTTP service answers the same health path.
  if (path === '/_health' || path === '/xrpc/_health') {
    if (!isRead(req.method)) methodNotAllowed(res, 'GET, HEAD')
    await dir.store.healthCheck()
    return sendJson(res, 200, { version: opts.version ?? '0.1.0' })
  }
  if (path === '/export') {
    if (!isRead(req.method)) methodNotAllowed(res, 'GET, HEAD')
    return exportOps(dir, url.searchParams, res)
  }
  const slash = path.indexOf('/', 1)
  const rawDid = slash < 0 ? path.slice(1) : path.slice(1, slash)
  if (rawDid === '') {
    if (!isRead(req.method)) methodNotAllowed(res, 'GET, HEAD')
    return sendJson(res, 200, { service: 'welkin plc', version: opts.version ?? '0.1.0' })
  }
  let did: string
  try {
    did = decodeURIComponent(rawDid)
  } catch {
    throw new HttpError(400, 'InvalidRequest', 'the DID in the path is not valid percent-encoding')
  }
  return didRoute(dir, req, res, did, slash < 0 ? '' : path.slice(slash + 1), opts)
}

/** The request handler alone, so tests and embedders need not bind a port. */
export function createPlcHandler(dir: PlcDirectory, opts: PlcHandlerOptions = {}): Handler {
  const proxies = opts.trustedProxies ?? 0
  if (!Number.isInteger(proxies) || proxies < 0) {
    throw new RangeError(`trustedProxies must be a non-negative integer, got ${proxies}`)
  }
  const limiter = opts.postRateLimit === false ? undefined : new ClientRateLimiter(opts.postRateLimit)
  return (req, res) => {
    res.setHeader('access-control-allow-origin', '*')
    if (req.method === 'OPTIONS') {
      res.setHeader('access-control-allow-methods', 'GET, HEAD, POST')
      res.setHeader('access-control-allow-headers', 'content-type')
      res.statusCode = 204
      res.end()
      return
    }
    route(dir, req, res, opts, limiter).catch((err: unknown) => {
      if (err instanceof HttpError) {
        // An unread body would be parsed as the next request on this connection.
        if (err.status === 413) res.setHeader('connection', 'close')
        return sendError(res, err.status, err.code, err.message)
      }
      if (err instanceof PlcOpError) return sendError(res, 400, err.code, err.message)
      if (err instanceof RateLimitedError) {
        // RFC 9110 §10.2.3: delay-seconds.
        res.setHeader('retry-after', String(err.retryAfter))
        return sendError(res, 429, 'RateLimitExceeded', err.message)
      }
      opts.onError?.(err, req)
      if (err instanceof PlcStoreError)
        return sendError(res, 503, 'StoreUnavailable', 'the directory storage is unavailable')
      sendError(res, 500, 'InternalServerError', 'internal error')
    })
  }
}

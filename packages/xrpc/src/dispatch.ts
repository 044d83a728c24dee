// One XRPC request, from verb check to response: params, auth, rate limits, input, the handler,
// output checks. Every failure ends as `{error, message}` with its status; only our own bugs are 500s.
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http'
import { jsonToData } from '@welkin/data'
import { mimeMatches, ValidationError } from '@welkin/lexicon'
import { mimeOf } from './body.js'
import { MethodContext } from './context.js'
import { InternalServerError, InvalidRequestError, MethodNotAllowedError, XrpcError } from './errors.js'
import { readInput } from './input.js'
import { parseParams } from './params.js'
import { applyRateLimits, type RateLimit } from './rate-limit.js'
import type { MethodEntry } from './registry.js'
import { isAsyncIterable, sendEmpty, sendError, sendOutput } from './respond.js'
import type { MaybeOutput, XrpcLogger } from './types.js'

export interface DispatchConfig {
  validateOutput: boolean
  logger: XrpcLogger
  /** Limits applied to every method before its own. */
  rateLimits: RateLimit[]
  /** Fresh headers every response starts with (nosniff, CORS). */
  baseHeaders(): OutgoingHttpHeaders
  /** True once the server is shutting down: responses then end their connection. */
  closing(): boolean
}

/** Last touch before the status line goes out; on shutdown a keep-alive socket must not linger. */
export function finalHeaders(cfg: DispatchConfig, headers: OutgoingHttpHeaders): OutgoingHttpHeaders {
  if (cfg.closing()) headers.Connection = 'close'
  return headers
}

/**
 * Maps anything thrown to the error the client sees; unknown errors are logged and hidden, unless
 * the client had already gone (`quiet`), when they are most likely the aborted work itself.
 */
export function toXrpcError(err: unknown, logger: XrpcLogger, where: string, quiet = false): XrpcError {
  if (err instanceof XrpcError) return err
  // A handler checking client data against a lexicon reports the client's mistake.
  if (err instanceof ValidationError) return new InvalidRequestError(err.message)
  if (!quiet) logger.error(`xrpc: ${where} failed`, { err })
  return new InternalServerError()
}

function wrongVerb(m: MethodEntry, method: string | undefined): boolean {
  if (m.type === 'procedure') return method !== 'POST'
  return method !== 'GET' && method !== 'HEAD'
}

export async function dispatchMethod(
  cfg: DispatchConfig,
  m: MethodEntry,
  req: IncomingMessage,
  res: ServerResponse,
  search: string,
): Promise<void> {
  const headers = cfg.baseHeaders()
  try {
    if (wrongVerb(m, req.method)) {
      const allow = m.type === 'procedure' ? 'POST' : 'GET, HEAD'
      throw new MethodNotAllowedError(allow, `${m.nsid} is a ${m.type}: use ${allow.split(',')[0]}`)
    }
    const nsid = m.nsid
    const params = parseParams(nsid, m.lexicons, search)
    const auth = m.auth === undefined ? undefined : await m.auth({ nsid, req, params })
    if (cfg.rateLimits.length > 0 || m.rateLimits.length > 0) {
      const ctx = { nsid, req, params, auth }
      if (cfg.rateLimits.length > 0) Object.assign(headers, applyRateLimits(cfg.rateLimits, ctx))
      if (m.rateLimits.length > 0) Object.assign(headers, applyRateLimits(m.rateLimits, ctx))
    }
    const input = m.type === 'procedure' ? await readInput(m, req) : undefined
    let out = m.handler(new MethodContext(nsid, params, input, auth, req, res))
    // Most handlers answer from memory: not suspending on their result saves a turn per request.
    if (out instanceof Promise) out = await out
    if (res.headersSent || res.writableEnded) return
    if (cfg.validateOutput && m.lexicons !== undefined) checkOutput(m, out)
    finalHeaders(cfg, headers)
    if (out === undefined || out === null) return sendEmpty(req, res, 200, headers)
    const streaming = sendOutput(req, res, out, headers, cfg.logger)
    if (streaming !== undefined) await streaming
  } catch (err) {
    sendError(req, res, toXrpcError(err, cfg.logger, m.nsid, res.destroyed), finalHeaders(cfg, headers))
  }
}

/** A handler answering outside its lexicon is our bug: a logged 500, not a broken client. */
function checkOutput(m: MethodEntry, out: MaybeOutput): void {
  const expected = m.outputEncoding
  if (out === undefined || out === null) {
    if (expected !== undefined)
      throw new Error(`${m.nsid} returned no body; its lexicon declares ${expected}`)
    return
  }
  if (expected === undefined) throw new Error(`${m.nsid} returned a body; its lexicon declares none`)
  const encoding = mimeOf(out.encoding) ?? ''
  if (!mimeMatches(expected, encoding))
    throw new Error(`${m.nsid} returned ${out.encoding}; its lexicon declares ${expected}`)
  if (expected !== 'application/json' || out.body instanceof Uint8Array || isAsyncIterable(out.body)) return
  try {
    m.lexicons!.assertValidXrpcOutput(m.nsid, jsonToData(out.body))
  } catch (err) {
    // Rethrown as a plain Error so it is logged as a 500 and never mapped to a 400.
    throw new Error(`${m.nsid} output is invalid: ${(err as Error).message}`, { cause: err })
  }
}

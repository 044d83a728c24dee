// Writing responses: JSON bodies, error bodies (xrpc.md "Error Responses"), and binary bodies,
// buffered or streamed with backpressure.
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http'
import { CID } from '@welkin/data'
import type { XrpcError } from './errors.js'
import { stringifyBody } from './json.js'
import type { HandlerOutput, XrpcLogger } from './types.js'

export const JSON_TYPE = 'application/json; charset=utf-8'

/** True when the request announced a body that has not fully arrived: the socket can not be reused. */
export function bodyUnread(req: IncomingMessage): boolean {
  if (req.complete) return false
  const length = req.headers['content-length']
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined
}

export function sendJsonText(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  text: string,
  headers: OutgoingHttpHeaders,
): void {
  headers['Content-Type'] = JSON_TYPE
  headers['Content-Length'] = Buffer.byteLength(text)
  if (bodyUnread(req)) headers.Connection = 'close'
  res.writeHead(status, headers)
  res.end(text)
}

/** A response without a body (200 when a handler returns nothing, 204 for CORS preflights). */
export function sendEmpty(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  headers: OutgoingHttpHeaders,
): void {
  headers['Content-Length'] = 0
  if (bodyUnread(req)) headers.Connection = 'close'
  res.writeHead(status, headers)
  res.end()
}

/** Sends `{error, message}`; if the response has already started, the only honest move is to cut it. */
export function sendError(
  req: IncomingMessage,
  res: ServerResponse,
  err: XrpcError,
  headers: OutgoingHttpHeaders,
): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  if (err.headers) Object.assign(headers, err.headers)
  sendJsonText(req, res, err.status, JSON.stringify({ error: err.error, message: err.message }), headers)
}

/**
 * True when plain JSON.stringify writes `v` as stringifyBody would: only JSON values, plain
 * objects, arrays and CIDs, no bytes. Most bodies are small and pass, and skip the per-key
 * replacer, which takes JSON.stringify off its fast path.
 */
function plainJson(v: unknown, depth: number): boolean {
  if (v === null || typeof v !== 'object') return typeof v !== 'bigint'
  if (depth > 32) return false
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (!plainJson(v[i], depth + 1)) return false
    return true
  }
  if (v instanceof CID) return true
  const proto = Object.getPrototypeOf(v)
  if (proto !== Object.prototype && proto !== null) return false
  for (const key in v) {
    if (key === 'toJSON' || !plainJson((v as Record<string, unknown>)[key], depth + 1)) return false
  }
  return true
}

function jsonText(body: unknown): string {
  return plainJson(body, 0) ? (JSON.stringify(body) ?? 'null') : stringifyBody(body)
}

export function isAsyncIterable(v: unknown): v is AsyncIterable<Uint8Array> {
  return typeof v === 'object' && v !== null && Symbol.asyncIterator in v
}

/** Sends a handler's output; returns a promise only for streamed bodies. */
export function sendOutput(
  req: IncomingMessage,
  res: ServerResponse,
  out: HandlerOutput,
  headers: OutgoingHttpHeaders,
  logger: XrpcLogger,
): Promise<void> | undefined {
  if (out.headers) Object.assign(headers, out.headers)
  const status = out.status ?? 200
  const body = out.body
  if (body instanceof Uint8Array) {
    headers['Content-Type'] = out.encoding
    headers['Content-Length'] = body.byteLength
    if (bodyUnread(req)) headers.Connection = 'close'
    res.writeHead(status, headers)
    res.end(body)
    return undefined
  }
  if (isAsyncIterable(body)) {
    headers['Content-Type'] = out.encoding
    if (bodyUnread(req)) headers.Connection = 'close'
    res.writeHead(status, headers)
    return pipeChunks(res, body, logger)
  }
  sendJsonText(req, res, status, jsonText(body), headers)
  return undefined
}

async function pipeChunks(
  res: ServerResponse,
  chunks: AsyncIterable<Uint8Array>,
  logger: XrpcLogger,
): Promise<void> {
  try {
    for await (const chunk of chunks) {
      if (res.destroyed) return
      if (!res.write(chunk)) await drained(res)
    }
    res.end()
  } catch (err) {
    // The status line is gone: cutting the connection is the only way to tell the client.
    logger.error('xrpc: streamed response failed', { err })
    res.destroy()
  }
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done)
      res.off('close', done)
      resolve()
    }
    res.on('drain', done)
    res.on('close', done)
  })
}

// CORS (xrpc.md: "CORS support is encouraged"). Any origin may call; credentials travel in the
// Authorization header, never cookies, so allowing `*` exposes nothing a browser holds.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { sendEmpty } from './respond.js'

const MAX_AGE = String(24 * 60 * 60)

/** Answers a preflight (Fetch standard, "CORS protocol") with the headers the browser asked for. */
export function corsPreflight(req: IncomingMessage, res: ServerResponse): void {
  const requested = req.headers['access-control-request-headers']
  sendEmpty(req, res, 204, {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Methods': 'GET, HEAD, POST, OPTIONS',
    'Access-Control-Allow-Headers': typeof requested === 'string' ? requested : '*',
    'Access-Control-Max-Age': MAX_AGE,
    'X-Content-Type-Options': 'nosniff',
  })
}

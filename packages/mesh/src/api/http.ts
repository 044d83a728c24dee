// Small HTTP helpers for the API: bounded JSON bodies and `{error, message}` replies.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { MeshApiError } from '../errors.js'

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  })
  res.end(text)
}

export function sendError(res: ServerResponse, err: MeshApiError): void {
  if (err.status === 413) res.setHeader('connection', 'close')
  sendJson(res, err.status, { error: err.code, message: err.message })
}

/** Reads a JSON body of at most `limit` bytes. */
export async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0)
  if (declared > limit) throw new MeshApiError(413, 'PayloadTooLarge', `body over ${limit} bytes`)
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > limit) throw new MeshApiError(413, 'PayloadTooLarge', `body over ${limit} bytes`)
    chunks.push(chunk)
  }
  const text = Buffer.concat(chunks).toString('utf8')
  if (text.length === 0) throw new MeshApiError(400, 'InvalidRequest', 'empty body: expected JSON')
  try {
    return JSON.parse(text)
  } catch (err) {
    throw new MeshApiError(400, 'InvalidRequest', `body is not JSON: ${(err as Error).message}`)
  }
}

/** Splits a raw request target; unlike URL, keeps `..` and `.` segments as they are. */
export function splitTarget(target: string): { path: string; query: URLSearchParams } {
  const q = target.indexOf('?')
  return q < 0
    ? { path: target, query: new URLSearchParams() }
    : { path: target.slice(0, q), query: new URLSearchParams(target.slice(q + 1)) }
}

export function decodeSegment(raw: string, what: string): string {
  try {
    return decodeURIComponent(raw)
  } catch {
    throw new MeshApiError(400, 'InvalidRequest', `${what} is not valid percent-encoding`)
  }
}

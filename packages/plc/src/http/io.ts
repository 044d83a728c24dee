// Request bodies with a size limit and JSON responses in the `{error, message}` shape.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { HttpError } from '../errors.js'

/** Reads the whole body, refusing more than `limit` bytes with a 413 before buffering them. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0)
  if (declared > limit) {
    return Promise.reject(
      new HttpError(413, 'PayloadTooLarge', `request body of ${declared} bytes exceeds ${limit}`),
    )
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        req.off('data', onData)
        req.resume()
        reject(new HttpError(413, 'PayloadTooLarge', `request body exceeds ${limit} bytes`))
      } else chunks.push(chunk)
    }
    req.on('data', onData)
    req.once('end', () => resolve(Buffer.concat(chunks)))
    req.once('error', (err) =>
      reject(new HttpError(400, 'BadRequest', `reading the body failed: ${err.message}`)),
    )
  })
}

export async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const type = req.headers['content-type']
  if (type !== undefined && !/^application\/(.+\+)?json\s*(;|$)/i.test(type)) {
    throw new HttpError(
      415,
      'UnsupportedMediaType',
      `expected an application/json body, got ${type.slice(0, 100)}`,
    )
  }
  const body = await readBody(req, limit)
  if (body.length === 0)
    throw new HttpError(400, 'InvalidRequest', 'the request body is empty; expected an operation')
  try {
    return JSON.parse(body.toString('utf8'))
  } catch (err) {
    throw new HttpError(400, 'InvalidJson', `the request body is not JSON: ${(err as Error).message}`)
  }
}

export function send(res: ServerResponse, status: number, body: string, contentType: string): void {
  res.statusCode = status
  res.setHeader('content-type', contentType)
  res.setHeader('content-length', Buffer.byteLength(body))
  res.end(body)
}

export function sendJson(
  res: ServerResponse,
  status: number,
  value: unknown,
  contentType = 'application/json',
): void {
  send(res, status, JSON.stringify(value), `${contentType}; charset=utf-8`)
}

export function sendError(res: ServerResponse, status: number, error: string, message: string): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  sendJson(res, status, { error, message })
}

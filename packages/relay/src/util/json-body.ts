// Small JSON bodies of the admin routes, read with a size bound (routes get the raw request).
import type { IncomingMessage } from 'node:http'
import { InvalidRequestError, PayloadTooLargeError } from '@welkin/xrpc'

export async function readJsonBody(
  req: IncomingMessage,
  maxBytes = 64 * 1024,
): Promise<Record<string, unknown>> {
  const declared = Number(req.headers['content-length'] ?? 0)
  if (declared > maxBytes) throw new PayloadTooLargeError(`body over ${maxBytes} bytes`)
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > maxBytes) throw new PayloadTooLargeError(`body over ${maxBytes} bytes`)
    chunks.push(chunk)
  }
  let json: unknown
  try {
    json = JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch {
    throw new InvalidRequestError('body is not JSON')
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new InvalidRequestError('body must be a JSON object')
  return json as Record<string, unknown>
}

export function stringField(body: Record<string, unknown>, name: string): string {
  const v = body[name]
  if (typeof v !== 'string' || v.length === 0)
    throw new InvalidRequestError(`${name} must be a non-empty string`)
  return v
}

export function optionalPositiveInt(body: Record<string, unknown>, name: string): number | undefined {
  const v = body[name]
  if (v === undefined) return undefined
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1)
    throw new InvalidRequestError(`${name} must be a positive integer`)
  return v
}

// Answers written straight to a socket, where no ServerResponse exists: refused WebSocket upgrades
// and requests Node's parser rejected. Still the XRPC error shape, and the socket is closed after.
import { STATUS_CODES } from 'node:http'
import type { Duplex } from 'node:stream'
import type { XrpcError } from './errors.js'

/** `head`: the request was a HEAD, so the answer carries the length of a body but not the body. */
export function writeRawError(
  socket: Duplex,
  err: XrpcError,
  headers: Record<string, string> = {},
  head = false,
): void {
  if (!socket.writable) {
    socket.destroy()
    return
  }
  const body = JSON.stringify({ error: err.error, message: err.message })
  const lines = [
    `HTTP/1.1 ${err.status} ${STATUS_CODES[err.status] ?? 'Error'}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'X-Content-Type-Options: nosniff',
    'Connection: close',
  ]
  for (const [name, value] of Object.entries({ ...headers, ...err.headers })) lines.push(`${name}: ${value}`)
  socket.end(`${lines.join('\r\n')}\r\n\r\n${head ? '' : body}`, () => socket.destroy())
}

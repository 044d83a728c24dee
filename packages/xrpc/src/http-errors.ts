// Requests Node's HTTP parser rejects never reach a handler; this still answers them in the XRPC
// error shape instead of Node's bare default, then closes the socket.
import type { Duplex } from 'node:stream'
import { XrpcError } from './errors.js'
import { writeRawError } from './raw-http.js'

function statusFor(code: string | undefined): [number, string] {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return [431, 'Request headers are too large']
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return [408, 'Request took too long to arrive']
    default:
      return [400, 'Malformed HTTP request']
  }
}

/** The server's 'clientError' listener. */
export function answerClientError(err: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Duplex): void {
  // A response already under way on this socket can not be followed by another.
  const busy = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent
  if (err.code === 'ECONNRESET' || busy) {
    socket.destroy()
    return
  }
  const [status, message] = statusFor(err.code)
  const head = err.rawPacket?.subarray(0, 5).toString('latin1') === 'HEAD '
  writeRawError(socket, new XrpcError(status, 'InvalidRequest', message), {}, head)
}

// Helpers shared by this package's tests (not exported from the package): a server on a free
// loopback port, a logger that records, and raw HTTP for requests fetch refuses to send.
import { request } from 'node:http'
import { connect } from 'node:net'
import { createXrpcServer, type XrpcServer, type XrpcServerOptions } from './server.js'
import type { XrpcLogger } from './types.js'

export interface RecordingLogger extends XrpcLogger {
  errors: { message: string; details?: Record<string, unknown> }[]
  warnings: string[]
}

export function recordingLogger(): RecordingLogger {
  const errors: RecordingLogger['errors'] = []
  const warnings: string[] = []
  return {
    errors,
    warnings,
    error: (message, details) => errors.push({ message, details }),
    warn: (message) => warnings.push(message),
  }
}

export interface Running {
  xrpc: XrpcServer
  url: string
  port: number
  logger: RecordingLogger
  close(): Promise<void>
}

export async function startServer(
  setup: (xrpc: XrpcServer) => void,
  opts: XrpcServerOptions = {},
): Promise<Running> {
  const logger = recordingLogger()
  const xrpc = createXrpcServer({ logger, ...opts })
  setup(xrpc)
  const { url, port } = await xrpc.listen(0)
  return { xrpc, url, port, logger, close: () => xrpc.close() }
}

export interface RawResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
  json(): unknown
}

/** One request over node:http (no keep-alive), with whatever verb, headers and body. */
export function httpRequest(
  port: number,
  method: string,
  path: string,
  body?: string | Uint8Array,
  headers: Record<string, string | number> = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) })
      })
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(body)
  })
}

/**
 * Writes bytes straight to a socket and returns everything read until the server closes it.
 * With `halfClose` the client ends its side after writing, as a client with nothing more to
 * send does; without it a partial request waits for the server's header timeout.
 */
export function rawExchange(
  port: number,
  data: string | Uint8Array,
  timeoutMs = 5000,
  halfClose = false,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error('raw exchange timed out'))
    }, timeoutMs)
    socket.on('data', (c) => chunks.push(c))
    socket.on('error', () => {}) // a reset after the answer still counts as an answer
    socket.on('close', () => {
      clearTimeout(timer)
      resolve(Buffer.concat(chunks).toString('utf8'))
    })
    if (halfClose) socket.end(data)
    else socket.write(data)
  })
}

/** The status code of a raw HTTP answer, or 0 when there was none. */
export function rawStatus(answer: string): number {
  const m = /^HTTP\/1\.1 (\d{3})/.exec(answer)
  return m ? Number(m[1]) : 0
}

/** The JSON body of a raw HTTP answer (Content-Length framed). */
export function rawJson(answer: string): unknown {
  const at = answer.indexOf('\r\n\r\n')
  return JSON.parse(answer.slice(at + 4))
}

// The directory as a listening HTTP server: keep-alive friendly, bounded header/request times
// against slow clients, and a close() that lets in-flight requests finish first.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { PlcDirectory } from '../directory.js'
import { createPlcHandler, type PlcHandlerOptions } from './handler.js'

export const DEFAULT_PLC_PORT = 2582

export interface PlcServerOptions extends PlcHandlerOptions {
  /** Default 2582; 0 picks a free port. */
  port?: number
  /** Default 127.0.0.1. */
  host?: string
}

export interface PlcServer {
  readonly url: string
  readonly port: number
  readonly server: Server
  /** Stops accepting, waits up to `graceMs` for in-flight requests, then drops what is left. */
  close(graceMs?: number): Promise<void>
}

export async function startPlcServer(dir: PlcDirectory, opts: PlcServerOptions = {}): Promise<PlcServer> {
  const server = createServer(
    { requestTimeout: 30_000, headersTimeout: 10_000, keepAliveTimeout: 5_000 },
    createPlcHandler(dir, opts),
  )
  const host = opts.host ?? '127.0.0.1'
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? DEFAULT_PLC_PORT, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host
  let closing: Promise<void> | undefined
  return {
    url: `http://${urlHost}:${port}`,
    port,
    server,
    close(graceMs = 2_000) {
      closing ??= new Promise<void>((resolve) => {
        const timer = setTimeout(() => server.closeAllConnections(), graceMs)
        timer.unref()
        server.close(() => {
          clearTimeout(timer)
          resolve()
        })
        server.closeIdleConnections()
      })
      return closing
    },
  }
}

// The node's HTTP API (node:http, JSON):
//   GET  /v1/info               {peerId, multiaddrs, peers}
//   GET  /v1/graph/{soul}       {soul, data, state}; 404 when the soul is unknown
//   PUT  /v1/graph/{soul}       public soul: a JSON object of properties;
//                               user space: {state, props, sigs: {prop: base64 signature}}
//                               (400 SignatureRequired without sigs)
//   GET  /v1/events[?soul=…]    Server-Sent Events of changes (all, or to the given souls)
//   GET  /v1/diagnostics        peers and latency, topics, DHT, messages, sync, graph
//   GET  /metrics               Prometheus text
// Errors are `{error, message}` with a 4xx (5xx only for the server's own failures).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { GraphError, isUserSpace } from '@welkin/graph'
import { DEFAULT_API_PORT } from '../defaults.js'
import { MeshApiError, MeshStoreError } from '../errors.js'
import { renderMetrics } from '../metrics.js'
import type { MeshNode } from '../node.js'
import { decodeSegment, readJson, sendError, sendJson, splitTarget } from './http.js'
import { parseSignedPut, putStatus } from './put.js'
import { SseHub } from './sse.js'

export { DEFAULT_API_PORT }

export interface MeshApiOptions {
  /** Default DEFAULT_API_PORT (7878); 0 picks a free port. */
  port?: number
  /** Default 127.0.0.1: the API writes to the graph, so it is local unless asked otherwise. */
  host?: string
  /** Largest PUT body (default 1 MiB). */
  maxBodyBytes?: number
  /** Most event-stream clients (default 100). */
  maxSseClients?: number
  /** Unsent bytes a slow event-stream client may accumulate before it is dropped (default 1 MiB). */
  maxSseBufferBytes?: number
  onError?: (err: unknown) => void
}

export interface MeshApi {
  readonly url: string
  readonly port: number
  close(): Promise<void>
}

const MAX_EVENT_SOULS = 256

export async function startMeshApi(node: MeshNode, opts: MeshApiOptions = {}): Promise<MeshApi> {
  const maxBody = opts.maxBodyBytes ?? 2 ** 20
  const sse = new SseHub(node.graph, {
    maxClients: opts.maxSseClients ?? 100,
    maxBufferedBytes: opts.maxSseBufferBytes ?? 2 ** 20,
    heartbeatMs: 15_000,
  })
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const { path, query } = splitTarget(req.url ?? '/')
    const method = req.method ?? 'GET'
    const only = (...allowed: string[]) => {
      if (!allowed.includes(method)) {
        res.setHeader('allow', allowed.join(', '))
        throw new MeshApiError(405, 'MethodNotAllowed', `${method} is not allowed on ${path}`)
      }
    }
    if (path === '/v1/info') {
      only('GET')
      return sendJson(res, 200, {
        peerId: node.peerId.toString(),
        multiaddrs: node.multiaddrs,
        peers: node.peers(),
      })
    }
    if (path === '/v1/diagnostics') {
      only('GET')
      return sendJson(res, 200, { ...node.diagnostics(), sse: { clients: sse.size, dropped: sse.dropped } })
    }
    if (path === '/metrics') {
      only('GET')
      const text = renderMetrics(node.diagnostics())
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' })
      return res.end(text)
    }
    if (path === '/v1/events') {
      only('GET')
      const souls = query.getAll('soul')
      if (souls.length > MAX_EVENT_SOULS)
        throw new MeshApiError(400, 'InvalidRequest', `at most ${MAX_EVENT_SOULS} souls`)
      if (sse.full) throw new MeshApiError(503, 'TooManySubscribers', 'event stream client limit reached')
      return sse.add(res, souls.length > 0 ? new Set(souls) : null)
    }
    if (path.startsWith('/v1/graph/')) {
      only('GET', 'PUT')
      const soul = decodeSegment(path.slice('/v1/graph/'.length), 'soul')
      if (soul.length === 0) throw new MeshApiError(400, 'InvalidRequest', 'missing soul')
      if (method === 'GET') {
        const view = node.get(soul)
        if (view === undefined)
          throw new MeshApiError(404, 'NotFound', `no soul ${JSON.stringify(soul).slice(0, 80)}`)
        return sendJson(res, 200, view)
      }
      return put(node, soul, await readJson(req, maxBody), res)
    }
    throw new MeshApiError(404, 'NotFound', `no route ${method} ${path.slice(0, 100)}`)
  }
  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (res.headersSent) return void res.destroy()
      if (err instanceof MeshApiError) return sendError(res, err)
      opts.onError?.(err)
      sendError(res, new MeshApiError(500, 'InternalError', 'the node failed to handle the request'))
    })
  })
  server.requestTimeout = 30_000
  await listen(server, opts.port ?? DEFAULT_API_PORT, opts.host ?? '127.0.0.1')
  const { port, address, family } = server.address() as AddressInfo
  const host = family === 'IPv6' ? `[${address}]` : address
  return {
    url: `http://${host}:${port}`,
    port,
    close: async () => {
      sse.close()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

async function put(node: MeshNode, soul: string, body: unknown, res: ServerResponse): Promise<void> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new MeshApiError(400, 'InvalidRequest', 'body must be a JSON object')
  try {
    if (!isUserSpace(soul)) {
      const entries = await node.put(soul, body as Record<string, never>)
      return sendJson(res, 200, {
        soul,
        applied: entries.map((e) => e.prop),
        state: entries[0]?.state ?? null,
      })
    }
    const result = await node.putUpdates(parseSignedPut(soul, body))
    const [status, reply] = putStatus(soul, result)
    return sendJson(res, status, reply)
  } catch (err) {
    if (err instanceof GraphError)
      throw new MeshApiError(
        err.code.startsWith('signature') || err.code === 'signer-mismatch' ? 403 : 400,
        errorName(err),
        err.message,
      )
    if (err instanceof MeshStoreError) throw new MeshApiError(503, 'StoreUnavailable', err.message)
    throw err
  }
}

function errorName(err: GraphError): string {
  return err.code
    .split('-')
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('')
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
}

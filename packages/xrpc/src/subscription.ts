// Event-stream endpoints (event-stream.md) over WebSocket, upgraded on the HTTP server's own port.
// Each connection pulls frames from its handler and sends them; once more than `highWaterBytes` is
// queued it waits for the socket to drain, and a consumer that stays stalled for `maxStallMs` is
// sent a ConsumerTooSlow error frame and closed. Memory per connection is therefore bounded by
// the high-water mark plus one frame, whatever the producer does.
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocket, WebSocketServer } from 'ws'
import { toXrpcError } from './dispatch.js'
import { MethodNotAllowedError, XrpcError } from './errors.js'
import { encodeErrorFrame, encodeMessageFrame } from './frames.js'
import { parseParams } from './params.js'
import { applyRateLimits, type RateLimit } from './rate-limit.js'
import { writeRawError } from './raw-http.js'
import type { SubscriptionEntry } from './registry.js'
import type { XrpcLogger } from './types.js'

export interface SubscriptionLimits {
  /** Queued bytes above which the producer waits for the socket to drain (default 4 MiB). */
  highWaterBytes?: number
  /** How long a socket may stay undrained before the consumer counts as too slow (default 15 s). */
  maxStallMs?: number
  /** Ping period; a peer that missed the previous pong is cut (default 30 s). */
  pingIntervalMs?: number
  /** Open streams accepted at once; more get a 503 (default 10,000). */
  maxConnections?: number
  /** After a close frame, how long before the socket is cut regardless (default 2 s). */
  closeGraceMs?: number
}

interface Conn {
  ws: WebSocket
  ac: AbortController
  alive: boolean
}

const noop = () => {}

export class SubscriptionHub {
  readonly #wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    // Clients have nothing to send (event-stream.md: servers ignore client frames).
    maxPayload: 64 * 1024,
  })
  readonly #conns = new Set<Conn>()
  readonly #highWater: number
  readonly #maxStall: number
  readonly #pingInterval: number
  readonly #maxConnections: number
  readonly #grace: number
  #pinger: NodeJS.Timeout | undefined

  constructor(
    limits: SubscriptionLimits,
    private readonly logger: XrpcLogger,
    private readonly rateLimits: RateLimit[],
  ) {
    this.#highWater = limits.highWaterBytes ?? 4 * 1024 * 1024
    this.#maxStall = limits.maxStallMs ?? 15_000
    this.#pingInterval = limits.pingIntervalMs ?? 30_000
    this.#maxConnections = limits.maxConnections ?? 10_000
    this.#grace = limits.closeGraceMs ?? 2_000
  }

  get size(): number {
    return this.#conns.size
  }

  /** Refusals before the upgrade are plain HTTP errors (event-stream.md, "Connection"). */
  upgrade(
    entry: SubscriptionEntry,
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    search: string,
  ): void {
    try {
      if (req.method !== 'GET') throw new MethodNotAllowedError('GET')
      if (this.#conns.size >= this.#maxConnections)
        throw new XrpcError(503, 'NotEnoughResources', 'Too many open streams, try again later')
      const limits = [...this.rateLimits, ...entry.rateLimits]
      if (limits.length > 0) applyRateLimits(limits, { nsid: entry.nsid, req, params: {}, auth: undefined })
    } catch (err) {
      writeRawError(socket, toXrpcError(err, this.logger, entry.nsid))
      return
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      this.#run(entry, ws, req, search).catch((err) => this.logger.error('xrpc: stream failed', { err }))
    })
  }

  async #run(entry: SubscriptionEntry, ws: WebSocket, req: IncomingMessage, search: string): Promise<void> {
    const ac = new AbortController()
    const conn: Conn = { ws, ac, alive: true }
    this.#conns.add(conn)
    this.#startPinger()
    ws.on('pong', () => {
      conn.alive = true
    })
    ws.on('error', noop) // a socket error is followed by 'close', handled there
    ws.on('close', () => {
      this.#conns.delete(conn)
      ac.abort()
    })
    const { signal } = ac
    let iterator: AsyncIterator<unknown> | undefined
    const release = () => {
      iterator?.return?.().catch(noop)
    }
    signal.addEventListener('abort', release, { once: true })
    try {
      // Connection-time errors travel as the stream's first frame (event-stream.md, "Connection").
      const nsid = entry.nsid
      const params = parseParams(nsid, entry.lexicons, search)
      const auth = entry.auth === undefined ? undefined : await entry.auth({ nsid, req, params })
      if (signal.aborted) return
      iterator = entry.handler({ nsid, params, auth, req, signal })[Symbol.asyncIterator]()
      while (!signal.aborted) {
        const next = await iterator.next()
        if (next.done || signal.aborted) break
        const v = next.value as Uint8Array | { t: string; body: never }
        const frame = v instanceof Uint8Array ? v : encodeMessageFrame(v.t, v.body)
        if (!(await this.#send(conn, frame))) break
      }
      if (!signal.aborted) this.#close(conn, 1000, '')
    } catch (err) {
      if (signal.aborted) return
      const xe = toXrpcError(err, this.logger, entry.nsid)
      this.#fail(conn, xe.error, xe.message, xe.status >= 500 ? 1011 : 1008)
    } finally {
      signal.removeEventListener('abort', release)
      if (!signal.aborted) release()
    }
  }

  /** Resolves false if the frame could not be sent or the consumer was dropped for slowness. */
  #send(conn: Conn, frame: Uint8Array): boolean | Promise<boolean> {
    const ws = conn.ws
    if (ws.readyState !== WebSocket.OPEN) return false
    if (ws.bufferedAmount + frame.byteLength <= this.#highWater) {
      ws.send(frame)
      return true
    }
    // The callback fires once this frame, and so everything queued before it, reached the kernel.
    return new Promise((resolve) => {
      const settle = (ok: boolean) => {
        clearTimeout(timer)
        conn.ac.signal.removeEventListener('abort', onAbort)
        resolve(ok)
      }
      const onAbort = () => settle(false)
      const timer = setTimeout(() => {
        this.#fail(conn, 'ConsumerTooSlow', 'Stream consumer too slow', 1008)
        settle(false)
      }, this.#maxStall)
      conn.ac.signal.addEventListener('abort', onAbort, { once: true })
      ws.send(frame, (err) => settle(!err))
    })
  }

  /** Sends an error frame, closes, and stops the producer (event-stream.md: close after an error). */
  #fail(conn: Conn, error: string, message: string, code: number): void {
    if (conn.ws.readyState === WebSocket.OPEN) conn.ws.send(encodeErrorFrame(error, message))
    this.#close(conn, code, error)
    conn.ac.abort()
  }

  #close(conn: Conn, code: number, reason: string): void {
    const ws = conn.ws
    if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(code, reason)
    // A peer that does not answer the close handshake (or reads nothing) is cut after the grace.
    setTimeout(() => ws.terminate(), this.#grace).unref()
  }

  #startPinger(): void {
    if (this.#pinger !== undefined) return
    this.#pinger = setInterval(() => {
      for (const conn of this.#conns) {
        if (!conn.alive) {
          conn.ws.terminate()
          continue
        }
        conn.alive = false
        conn.ws.ping()
      }
      if (this.#conns.size === 0) this.#stopPinger()
    }, this.#pingInterval)
    this.#pinger.unref()
  }

  #stopPinger(): void {
    clearInterval(this.#pinger)
    this.#pinger = undefined
  }

  /** Shutdown: a Going Away close to every stream; the grace timer cuts the ones that linger. */
  closeAll(): void {
    this.#stopPinger()
    for (const conn of this.#conns) {
      conn.ac.abort()
      this.#close(conn, 1001, 'server shutting down')
    }
  }

  terminateAll(): void {
    for (const conn of this.#conns) conn.ws.terminate()
  }
}

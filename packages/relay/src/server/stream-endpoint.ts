// com.atproto.sync.subscribeRepos for the relay's subscribers. The XRPC server's subscription
// API pulls one frame per await and writes one frame per call; at ten subscribers times
// thousands of events a second that costs more than the rest of the relay, so this endpoint
// takes the WebSocket upgrade itself and hands the socket to the fan-out's corked writer
// (attachWebSocket). Every other upgrade still goes to the XRPC server.
import type { IncomingMessage, Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { attachWebSocket, type EventFanout, encodeErrorFrame } from '@welkin/firehose'
import { type WebSocket, WebSocketServer } from 'ws'

const PATH = '/xrpc/com.atproto.sync.subscribeRepos'

type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void

export interface StreamEndpointOptions {
  maxSubscribers: number
  /** Ping period; a subscriber that missed the previous pong is cut (default 30 s). */
  pingIntervalMs?: number
}

function rawError(socket: Duplex, status: number, error: string, message: string): void {
  const body = JSON.stringify({ error, message })
  socket.end(
    `HTTP/1.1 ${status} ${error}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    () => socket.destroy(),
  )
}

export class StreamEndpoint {
  private readonly wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload: 64 * 1024,
  })
  private readonly sockets = new Map<WebSocket, { alive: boolean }>()
  private readonly pinger: NodeJS.Timeout
  private closed = false

  constructor(
    server: Server,
    private readonly fanout: EventFanout,
    private readonly opts: StreamEndpointOptions,
  ) {
    const others = server.listeners('upgrade') as UpgradeListener[]
    server.removeAllListeners('upgrade')
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const url = req.url ?? '/'
      const q = url.indexOf('?')
      if ((q === -1 ? url : url.slice(0, q)) !== PATH) {
        for (const l of others) l.call(server, req, socket, head)
        return
      }
      this.upgrade(req, socket, head, q === -1 ? '' : url.slice(q + 1))
    })
    this.pinger = setInterval(() => this.ping(), opts.pingIntervalMs ?? 30_000)
    this.pinger.unref()
  }

  get subscribers(): number {
    return this.sockets.size
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, search: string): void {
    socket.on('error', () => socket.destroy())
    const refusal = this.closed
      ? ([503, 'NotEnoughResources', 'Shutting down'] as const)
      : req.method !== 'GET'
        ? ([405, 'MethodNotAllowed', 'Use GET'] as const)
        : this.sockets.size >= this.opts.maxSubscribers
          ? ([503, 'NotEnoughResources', 'Too many subscribers, try again later'] as const)
          : undefined
    if (refusal) {
      rawError(socket, refusal[0], refusal[1], refusal[2])
      return
    }
    const raw = new URLSearchParams(search).getAll('cursor')
    let cursor: number | undefined
    let problem: string | undefined
    if (raw.length > 1) problem = 'cursor given more than once'
    else if (raw.length === 1) {
      cursor = /^\d{1,16}$/.test(raw[0]) ? Number(raw[0]) : Number.NaN
      if (!Number.isSafeInteger(cursor))
        problem = `cursor must be a non-negative integer, got ${JSON.stringify(raw[0].slice(0, 40))}`
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      if (problem) {
        // event-stream.md "Connection": connection-time errors are the stream's first message.
        ws.send(encodeErrorFrame('InvalidRequest', problem), () => ws.close(1008, 'InvalidRequest'))
        setTimeout(() => ws.terminate(), 2000).unref()
        return
      }
      const entry = { alive: true }
      this.sockets.set(ws, entry)
      ws.on('pong', () => {
        entry.alive = true
      })
      ws.on('close', () => this.sockets.delete(ws))
      attachWebSocket(ws, this.fanout.subscribe({ cursor }))
    })
  }

  private ping(): void {
    for (const [ws, entry] of this.sockets) {
      if (!entry.alive) {
        ws.terminate()
        continue
      }
      entry.alive = false
      ws.ping()
    }
  }

  /** Cuts every subscriber (the fan-out should be closed first, so they get a clean close). */
  close(): void {
    this.closed = true
    clearInterval(this.pinger)
    for (const ws of this.sockets.keys()) ws.terminate()
    this.sockets.clear()
    this.wss.close()
  }
}

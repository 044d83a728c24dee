// One WebSocket connection of a consumer: frames go through a bounded queue to a sequential
// handler; a full queue pauses the socket (TCP backpressure reaches the server), so memory
// stays bounded by the queue plus what the socket had already read.
import WebSocket, { type ClientOptions, type RawData } from 'ws'
import { ConnectionError } from '../errors.js'
import { Fifo } from '../fifo.js'

/** What the handler wants after a frame: go on, or end this connection (hard: drop queued frames). */
export type FrameVerdict = 'continue' | 'close' | 'hard'

export interface ConnectionOptions {
  url: string
  signal: AbortSignal
  maxFrameBytes: number
  maxQueued: number
  heartbeatMs: number
  wsOptions?: ClientOptions
  handle: (data: Uint8Array, isBinary: boolean) => Promise<FrameVerdict>
  onPause?: () => void
}

export interface ConnectionResult {
  /** The connection was established (upgraded). */
  opened: boolean
  /** Why it ended, when that was not the handler's decision or an abort. */
  error?: ConnectionError
}

function asBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data)
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data
}

/** Runs one connection until it closes; resolves after every received frame was handled. */
export function runConnection(opts: ConnectionOptions): Promise<ConnectionResult> {
  return new Promise((resolve) => {
    const queue = new Fifo<{ data: Uint8Array; isBinary: boolean }>()
    const result: ConnectionResult = { opened: false }
    let closed = false
    let discard = false
    let paused = false
    let working = false
    let alive = true
    let resolved = false
    const ws = new WebSocket(opts.url, {
      perMessageDeflate: false,
      handshakeTimeout: 30_000,
      ...opts.wsOptions,
      maxPayload: opts.maxFrameBytes,
    })

    const fail = (err: ConnectionError): void => {
      result.error ??= err
    }
    const abort = (): void => {
      discard = true
      ws.terminate()
    }
    opts.signal.addEventListener('abort', abort, { once: true })
    const heartbeat = setInterval(() => {
      if (ws.readyState !== WebSocket.OPEN) return
      // A paused socket reads nothing, pongs included: not a sign of a dead peer.
      if (!alive && !paused) {
        fail(new ConnectionError(`no data from ${opts.url} for ${opts.heartbeatMs} ms`))
        ws.terminate()
        return
      }
      alive = false
      ws.ping()
    }, opts.heartbeatMs)
    heartbeat.unref?.()

    const settle = (): void => {
      if (resolved || working || !closed || (queue.length > 0 && !discard)) return
      resolved = true
      clearInterval(heartbeat)
      opts.signal.removeEventListener('abort', abort)
      resolve(result)
    }

    const work = async (): Promise<void> => {
      if (working) return
      working = true
      try {
        while (!discard && queue.length > 0) {
          const item = queue.shift()!
          if (paused && queue.length <= opts.maxQueued >> 1) {
            paused = false
            ws.resume()
          }
          const verdict = await opts.handle(item.data, item.isBinary)
          if (verdict === 'hard') {
            discard = true
            ws.terminate()
          } else if (verdict === 'close') {
            discard = true
            ws.close()
          }
        }
      } finally {
        working = false
        if (discard) queue.clear()
        settle()
      }
    }

    ws.on('open', () => {
      result.opened = true
    })
    ws.on('message', (data, isBinary) => {
      alive = true
      if (discard) return
      queue.push({ data: asBytes(data), isBinary })
      if (!paused && queue.length >= opts.maxQueued) {
        paused = true
        ws.pause()
        opts.onPause?.()
      }
      void work()
    })
    ws.on('pong', () => {
      alive = true
    })
    ws.on('unexpected-response', (req, res) => {
      fail(
        new ConnectionError(
          `${opts.url} answered HTTP ${res.statusCode} instead of upgrading`,
          res.statusCode,
        ),
      )
      res.resume()
      req.destroy()
      ws.terminate()
    })
    ws.on('error', (err) => {
      // ws closes with 1009 (RFC 6455 section 7.4.1) on a message over maxPayload.
      if ((err as { code?: string }).code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
        fail(new ConnectionError(`a frame from ${opts.url} exceeded ${opts.maxFrameBytes} bytes`))
      }
      fail(new ConnectionError(`connection to ${opts.url} failed: ${err.message}`, undefined, { cause: err }))
    })
    ws.on('close', (code, reason) => {
      closed = true
      if (code !== 1000 && code !== 1001 && !discard && result.opened) {
        fail(new ConnectionError(`connection closed with code ${code}${reason.length ? ` (${reason})` : ''}`))
      }
      settle()
    })
  })
}

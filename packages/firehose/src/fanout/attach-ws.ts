// Streams a fan-out subscription to a `ws` WebSocket. Frames queued within one event-loop turn
// go out as one corked write (one syscall for the batch, not one per frame). Writing stops
// while the socket holds `maxInflightBytes` unsent; frames then wait in the subscription's
// bounded queue, which cuts the subscriber off when it overflows.
import type { WebSocket } from 'ws'
import type { FanoutSubscription } from './subscription.js'

export interface AttachOptions {
  /** Bytes the socket may hold unsent before writing pauses (default 1 MiB). */
  maxInflightBytes?: number
  /** After the stream ends, cut a peer that has not closed within this long (default 10 s). */
  closeTimeoutMs?: number
}

// RFC 6455 section 7.4.1: 1000 normal closure, 1001 going away, 1011 internal error.
const CLOSE_NORMAL = 1000
const CLOSE_GOING_AWAY = 1001
const CLOSE_INTERNAL = 1011

function closeCode(reason: string | undefined): number {
  if (reason === 'failed') return CLOSE_INTERNAL
  if (reason === 'closed') return CLOSE_GOING_AWAY
  return CLOSE_NORMAL
}

/** The net.Socket under a ws WebSocket, for corking; ws keeps it in a private field. */
interface Corkable {
  cork(): void
  uncork(): void
}
function rawSocket(ws: WebSocket): Corkable | undefined {
  const s = (ws as unknown as { _socket?: Partial<Corkable> })._socket
  return s && typeof s.cork === 'function' && typeof s.uncork === 'function' ? (s as Corkable) : undefined
}

/** Pumps `sub` into `ws` until either ends; frames from the client are ignored (event-stream.md). */
export function attachWebSocket(ws: WebSocket, sub: FanoutSubscription, opts: AttachOptions = {}): void {
  const maxInflight = opts.maxInflightBytes ?? 1024 * 1024
  const closeTimeoutMs = opts.closeTimeoutMs ?? 10_000
  let closing = false
  let scheduled = false
  let blocked = false
  let killTimer: NodeJS.Timeout | undefined

  const finish = (): void => {
    if (closing) return
    closing = true
    const reason = sub.reason
    sub.close()
    // The close frame queues behind the frames already written, so nothing sent is lost.
    if (ws.readyState === ws.OPEN)
      ws.close(closeCode(reason), reason && reason !== 'closed' ? reason : undefined)
  }

  const onFlushed = (err?: Error | null): void => {
    if (err) {
      sub.close()
      return
    }
    if (blocked) {
      blocked = false
      schedule()
    }
  }

  const pump = (): void => {
    scheduled = false
    const socket = rawSocket(ws)
    while (!closing && !blocked && ws.readyState === ws.OPEN) {
      let full = false
      socket?.cork()
      try {
        for (;;) {
          const frame = sub.poll()
          if (frame === undefined) {
            if (sub.drained || sub.isClosed) finish()
            else sub.onReadable(schedule)
            return
          }
          if (ws.bufferedAmount + frame.length >= maxInflight) {
            // This frame's callback says when the socket has taken the batch.
            ws.send(frame, { binary: true }, onFlushed)
            full = true
            break
          }
          ws.send(frame, { binary: true })
        }
      } finally {
        socket?.uncork()
      }
      // Uncorking wrote the batch; if the kernel took it all, carry on at once.
      if (full && ws.bufferedAmount >= maxInflight) blocked = true
    }
  }

  function schedule(): void {
    if (scheduled || closing) return
    scheduled = true
    setImmediate(pump)
  }

  // Once the stream ends, the peer gets closeTimeoutMs to read what is left (an error frame,
  // perhaps) and finish the close handshake; a peer that stopped reading is cut.
  sub.onEnd(() => {
    if (ws.readyState === ws.CLOSED) return
    killTimer ??= setTimeout(() => ws.terminate(), closeTimeoutMs)
    killTimer.unref?.()
  })
  ws.on('close', () => {
    closing = true
    clearTimeout(killTimer)
    sub.close()
  })
  ws.on('error', () => sub.close())
  ws.on('message', () => {})
  schedule()
}

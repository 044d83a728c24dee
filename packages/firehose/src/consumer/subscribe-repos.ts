// A reconnecting com.atproto.sync.subscribeRepos consumer (event-stream.md, sync.md). Events
// reach `onEvent` one at a time, in stream order; after a disconnect it resumes from the cursor
// (by default the last event handled) and skips anything it already delivered.
import type { ClientOptions } from 'ws'
import {
  type ConnectionError,
  FirehoseError,
  FrameError,
  HandlerError,
  InvalidMessageError,
  StreamErrorFrame,
} from '../errors.js'
import { DEFAULT_MAX_FRAME_BYTES, FUTURE_CURSOR } from '../frame/types.js'
import { decodeRepoFrame, messageSeq } from '../messages/repo-message.js'
import type { MessageLimits, RepoMessage } from '../messages/types.js'
import { type BackoffOptions, backoffDelay, sleep } from './backoff.js'
import { type FrameVerdict, runConnection } from './connection.js'

export interface SubscribeReposOptions {
  /** `ws(s)://host/xrpc/com.atproto.sync.subscribeRepos`; a `cursor` query parameter is managed here. */
  url: string
  /** Cursor to (re)connect from, e.g. a PerDidRunner's; default: the last event handled here. */
  cursor?: () => number | undefined
  signal: AbortSignal
  /** Awaited before the next event is handled: the stream is paced by it. */
  onEvent: (evt: RepoMessage) => Promise<void> | void
  /** Problems that do not stop the subscription: bad frames, server errors, reconnects, handler failures. */
  onError?: (err: FirehoseError) => void
  /** Largest frame accepted (default 5 MiB); a larger one drops the connection. */
  maxFrameBytes?: number
  /** Frames received but not yet handled before the socket is paused (default 1,000). */
  maxQueued?: number
  limits?: MessageLimits
  reconnect?: BackoffOptions
  /** Ping interval; a peer silent for a whole interval is dropped (default 30 s). */
  heartbeatMs?: number
  /** Passed to the `ws` client (headers, agent, handshakeTimeout...). */
  wsOptions?: ClientOptions
}

export interface SubscriptionStats {
  connects: number
  frames: number
  events: number
  /** Frames of an unknown op or type, skipped as event-stream.md asks. */
  skipped: number
  /** Events at or below the last seq handled (a replay after reconnecting), skipped. */
  duplicates: number
  /** Frames that failed to decode or whose message failed its shape check. */
  invalid: number
  errorFrames: number
  handlerErrors: number
  pauses: number
}

export type SubscriptionEnd = { reason: 'aborted' } | { reason: 'fatal'; error: FirehoseError }

export interface FirehoseSubscription {
  readonly stats: Readonly<SubscriptionStats>
  /** Seq of the last event handed to onEvent. */
  readonly lastSeq: number | undefined
  /** Settles when the signal aborts, or on an error retrying cannot fix (FutureCursor, HTTP 501). */
  readonly done: Promise<SubscriptionEnd>
}

function streamUrl(base: URL, cursor: number | undefined): string {
  const u = new URL(base)
  if (cursor === undefined) u.searchParams.delete('cursor')
  else u.searchParams.set('cursor', String(cursor))
  return u.toString()
}

export function subscribeRepos(opts: SubscribeReposOptions): FirehoseSubscription {
  let base: URL
  try {
    base = new URL(opts.url)
  } catch {
    throw new FirehoseError(`not a URL: ${opts.url}`)
  }
  if (base.protocol !== 'ws:' && base.protocol !== 'wss:') {
    throw new FirehoseError(`subscribeRepos needs a ws: or wss: URL, got ${base.protocol}`)
  }
  const stats: SubscriptionStats = {
    connects: 0,
    frames: 0,
    events: 0,
    skipped: 0,
    duplicates: 0,
    invalid: 0,
    errorFrames: 0,
    handlerErrors: 0,
    pauses: 0,
  }
  const maxFrameBytes = opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES
  const decodeLimits = { ...opts.limits, maxBytes: maxFrameBytes }
  const report = (err: FirehoseError): void => opts.onError?.(err)
  let lastSeq: number | undefined
  let fatal: FirehoseError | undefined
  let healthy = false

  const handle = async (data: Uint8Array, isBinary: boolean): Promise<FrameVerdict> => {
    stats.frames++
    if (!isBinary) {
      stats.invalid++
      report(new FrameError('not-binary', 'text WebSocket message'))
      return 'hard'
    }
    let decoded: ReturnType<typeof decodeRepoFrame>
    try {
      decoded = decodeRepoFrame(data, decodeLimits)
    } catch (err) {
      if (err instanceof FrameError && err.reason === 'unknown-op') {
        stats.skipped++
        return 'continue'
      }
      stats.invalid++
      if (err instanceof InvalidMessageError) {
        report(err)
        return 'continue'
      }
      // event-stream.md: invalid framing or CBOR is a hard error; drop the connection.
      report(err instanceof FirehoseError ? err : new FrameError('cbor', String(err), { cause: err }))
      return 'hard'
    }
    if (decoded.kind === 'error') {
      stats.errorFrames++
      const err = new StreamErrorFrame(decoded.error, decoded.message)
      if (decoded.error === FUTURE_CURSOR) fatal = err
      else report(err)
      return 'close'
    }
    if (decoded.kind === 'unknown') {
      stats.skipped++
      return 'continue'
    }
    healthy = true
    const msg = decoded.message
    const seq = messageSeq(msg)
    if (seq !== undefined && lastSeq !== undefined && seq <= lastSeq) {
      stats.duplicates++
      return 'continue'
    }
    try {
      await opts.onEvent(msg)
    } catch (err) {
      stats.handlerErrors++
      report(new HandlerError(seq, err))
    }
    stats.events++
    if (seq !== undefined) lastSeq = seq
    return opts.signal.aborted ? 'hard' : 'continue'
  }

  const run = async (): Promise<SubscriptionEnd> => {
    let attempt = 0
    while (!opts.signal.aborted) {
      healthy = false
      const cursor = opts.cursor ? opts.cursor() : lastSeq
      stats.connects++
      const res = await runConnection({
        url: streamUrl(base, cursor),
        signal: opts.signal,
        maxFrameBytes,
        maxQueued: opts.maxQueued ?? 1000,
        heartbeatMs: opts.heartbeatMs ?? 30_000,
        wsOptions: opts.wsOptions,
        handle,
        onPause: () => stats.pauses++,
      })
      if (fatal) return { reason: 'fatal', error: fatal }
      if (opts.signal.aborted) break
      const connErr: ConnectionError | undefined = res.error
      if (connErr) {
        // event-stream.md: 501 means the service has no stream here; do not retry.
        if (connErr.status === 501) return { reason: 'fatal', error: connErr }
        report(connErr)
      }
      if (healthy) attempt = 0
      await sleep(backoffDelay(attempt++, opts.reconnect), opts.signal)
    }
    return { reason: 'aborted' }
  }

  const done = run()
  return {
    stats,
    get lastSeq() {
      return lastSeq
    },
    done,
  }
}

// Typed errors of the firehose package. Everything it throws or reports is a FirehoseError, so
// callers tell protocol problems apart from their own bugs with one instanceof check.

export class FirehoseError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
  }
}

export type FrameErrorReason =
  | 'too-large'
  | 'empty'
  | 'cbor'
  | 'item-count'
  | 'header'
  | 'unknown-op'
  | 'body'
  | 'error-body'
  | 'not-binary'
  | 'encode'

/**
 * A WebSocket frame that is not a valid event-stream frame (event-stream.md "Framing"). Except
 * for `unknown-op`, which consumers skip, these are hard errors: drop the connection.
 */
export class FrameError extends FirehoseError {
  readonly reason: FrameErrorReason
  constructor(reason: FrameErrorReason, message: string, options?: { cause?: unknown }) {
    super(`invalid frame (${reason}): ${message}`, options)
    this.reason = reason
  }
}

/** A well-framed message whose body does not match its lexicon type; `path` locates the field. */
export class InvalidMessageError extends FirehoseError {
  readonly type: string
  readonly path: string
  constructor(type: string, path: string, problem: string) {
    super(`invalid ${type} message: ${path ? `${path}: ` : ''}${problem}`)
    this.type = type
    this.path = path
  }
}

/** The server sent an error frame (op -1), e.g. FutureCursor or ConsumerTooSlow. */
export class StreamErrorFrame extends FirehoseError {
  readonly error: string
  readonly serverMessage: string | undefined
  constructor(error: string, serverMessage?: string) {
    super(`stream error ${error}${serverMessage ? `: ${serverMessage}` : ''}`)
    this.error = error
    this.serverMessage = serverMessage
  }
}

/** The connection itself failed: refused, an HTTP status instead of an upgrade, closed abnormally. */
export class ConnectionError extends FirehoseError {
  readonly status: number | undefined
  constructor(message: string, status?: number, options?: { cause?: unknown }) {
    super(message, options)
    this.status = status
  }
}

/** An `onEvent` callback threw; the event counts as processed (retries belong in the handler). */
export class HandlerError extends FirehoseError {
  readonly seq: number | undefined
  constructor(seq: number | undefined, cause: unknown) {
    super(`event handler failed${seq === undefined ? '' : ` at seq ${seq}`}`, { cause })
    this.seq = seq
  }
}

/** A task of the PerDidRunner threw, or the runner was used out of contract. */
export class RunnerError extends FirehoseError {}

/** The fan-out was misused (seq not increasing, publish after close) or its event log failed. */
export class FanoutError extends FirehoseError {}

// Typed errors of the graph package. Remote updates that fail a check are not thrown but
// returned in `MergeResult.rejected` with one of these, so a host can count and log them by
// `code`; local calls (`put`, `walk`, decoding) throw them.

export type GraphErrorCode =
  | 'invalid-update'
  | 'invalid-soul'
  | 'invalid-prop'
  | 'invalid-value'
  | 'invalid-state'
  | 'too-far-future'
  | 'defer-queue-full'
  | 'signature-missing'
  | 'signature-invalid'
  | 'signature-unexpected'
  | 'signer-mismatch'
  | 'invalid-key'
  | 'clock'
  | 'wire-format'
  | 'invalid-option'

export class GraphError extends Error {
  readonly code: GraphErrorCode
  constructor(code: GraphErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'GraphError'
    this.code = code
  }
}

/** The update, soul, property or value is malformed. */
export class InvalidUpdateError extends GraphError {
  constructor(code: GraphErrorCode, message: string) {
    super(code, message)
    this.name = 'InvalidUpdateError'
  }
}

/** The update's state lies beyond the skew bound plus the deferral horizon. */
export class FutureStateError extends GraphError {
  constructor(message: string) {
    super('too-far-future', message)
    this.name = 'FutureStateError'
  }
}

/** The deferred-update queue is full; the update was dropped (a later sync re-delivers it). */
export class DeferQueueFullError extends GraphError {
  constructor(message: string) {
    super('defer-queue-full', message)
    this.name = 'DeferQueueFullError'
  }
}

/** A user-space update without a valid signature by the soul's key, or a signature elsewhere. */
export class SignatureError extends GraphError {
  constructor(
    code:
      | 'signature-missing'
      | 'signature-invalid'
      | 'signature-unexpected'
      | 'signer-mismatch'
      | 'invalid-key',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options)
    this.name = 'SignatureError'
  }
}

/** The injected clock returned a time the hybrid logical clock cannot represent. */
export class ClockError extends GraphError {
  constructor(message: string) {
    super('clock', message)
    this.name = 'ClockError'
  }
}

/** A wire batch failed to decode into valid updates. */
export class WireFormatError extends GraphError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('wire-format', message, options)
    this.name = 'WireFormatError'
  }
}

/** Shortens untrusted text for inclusion in an error message. */
export function preview(s: string, max = 64): string {
  const json = JSON.stringify(s)
  return json.length <= max ? json : `${json.slice(0, max)}…`
}

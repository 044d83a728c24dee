// Event-stream frame shapes (event-stream.md "Framing"): a header map, then a payload map.
import type { DataObject } from '@welkin/data'

/** `op: 1` is a message whose lexicon sub-type (`#commit`, ...) is `t`; `op: -1` an error. */
export type FrameHeader = MessageHeader | ErrorHeader

export interface MessageHeader {
  op: 1
  t: string
}

export interface ErrorHeader {
  op: -1
}

export interface ErrorBody {
  /** Error name without namespace or `#`, e.g. `FutureCursor`. */
  error: string
  message?: string
}

export interface MessageFrame {
  header: MessageHeader
  body: DataObject
}

export interface ErrorFrame {
  header: ErrorHeader
  body: ErrorBody
}

export type Frame = MessageFrame | ErrorFrame

export interface FrameLimits {
  /** Largest frame accepted, in bytes (default 5 MiB; sync.md caps firehose frames at 5 MB). */
  maxBytes?: number
  /** Deepest nesting in header or body (default 64, as @welkin/data). */
  maxDepth?: number
  /** Most entries in one array or map (default 128 Ki, as @welkin/data). */
  maxItems?: number
}

export const DEFAULT_MAX_FRAME_BYTES = 5 * 1024 * 1024

/** Error names the subscribeRepos lexicon declares, plus the info name it knows. */
export const FUTURE_CURSOR = 'FutureCursor'
export const CONSUMER_TOO_SLOW = 'ConsumerTooSlow'
export const OUTDATED_CURSOR = 'OutdatedCursor'

export function isMessageFrame(frame: Frame): frame is MessageFrame {
  return frame.header.op === 1
}

export function isErrorFrame(frame: Frame): frame is ErrorFrame {
  return frame.header.op === -1
}

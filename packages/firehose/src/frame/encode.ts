// Frame encoding: each frame is encoded once by the producer and the same bytes are sent to
// every subscriber, so this is the only place a frame's CBOR is written.
import { DataError, type DataValue, encodeCbor, isDataObject } from '@welkin/data'
import { FrameError } from '../errors.js'
import type { ErrorBody, FrameHeader } from './types.js'

// Headers repeat with every frame; there are a handful of `t` values in practice, so memoise them
// (bounded, in case a producer invents many).
const headerCache = new Map<string, Uint8Array>()
const MAX_CACHED_HEADERS = 64
let errorHeader: Uint8Array | undefined

function headerBytes(header: FrameHeader): Uint8Array {
  if (header.op === -1) {
    errorHeader ??= encodeCbor({ op: -1 })
    return errorHeader
  }
  if (header.op !== 1 || typeof header.t !== 'string' || header.t.length === 0) {
    throw new FrameError('header', 'header must be {op: 1, t: <non-empty string>} or {op: -1}')
  }
  let bytes = headerCache.get(header.t)
  if (bytes === undefined) {
    bytes = encodeCbor({ op: 1, t: header.t })
    if (headerCache.size < MAX_CACHED_HEADERS) headerCache.set(header.t, bytes)
  }
  return bytes
}

/**
 * Header CBOR followed by body CBOR (event-stream.md "Framing"). The body must be a map; it is
 * typed loosely so message interfaces with optional fields pass, and checked when encoded.
 */
export function encodeFrame(header: FrameHeader, body: DataValue | object): Uint8Array {
  const head = headerBytes(header)
  if (!isDataObject(body)) throw new FrameError('body', 'a frame body must be a map')
  let payload: Uint8Array
  try {
    payload = encodeCbor(body as DataValue)
  } catch (err) {
    if (err instanceof DataError)
      throw new FrameError('encode', `body is not DAG-CBOR data: ${err.message}`, { cause: err })
    throw err
  }
  const out = new Uint8Array(head.length + payload.length)
  out.set(head, 0)
  out.set(payload, head.length)
  return out
}

/** A message frame (`op: 1`) of sub-type `t`, e.g. `#commit`. */
export function encodeMessageFrame(t: string, body: object): Uint8Array {
  return encodeFrame({ op: 1, t }, body)
}

/** An error frame (`op: -1`); the stream should be closed right after sending it. */
export function encodeErrorFrame(error: string, message?: string): Uint8Array {
  const body: ErrorBody = message === undefined ? { error } : { error, message }
  return encodeFrame({ op: -1 }, body)
}

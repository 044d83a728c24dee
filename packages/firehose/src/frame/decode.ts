// Strict frame decoding (event-stream.md "Framing"). Frames are untrusted input: size is checked
// before any parsing, CBOR limits bound the work, and every failure is a FrameError.
import { DataError, type DataValue, decodeCborMulti, isDataObject } from '@welkin/data'
import { FrameError } from '../errors.js'
import { DEFAULT_MAX_FRAME_BYTES, type Frame, type FrameLimits } from './types.js'

function describe(v: DataValue | undefined): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'an array'
  if (v instanceof Uint8Array) return 'bytes'
  return typeof v === 'object' ? 'a CID' : typeof v
}

/**
 * Decodes one frame into header and body. Frames with an op other than 1 and -1 throw a
 * FrameError with reason `unknown-op`, which consumers should skip rather than disconnect on;
 * unknown `t` values are returned as they are, for the caller to skip.
 */
export function decodeFrame(bytes: Uint8Array, limits: FrameLimits = {}): Frame {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_FRAME_BYTES
  if (bytes.length > maxBytes) throw new FrameError('too-large', `${bytes.length} bytes, limit ${maxBytes}`)
  if (bytes.length === 0) throw new FrameError('empty', 'no bytes')
  let items: DataValue[]
  try {
    items = decodeCborMulti(bytes, { maxBytes, maxDepth: limits.maxDepth, maxItems: limits.maxItems })
  } catch (err) {
    if (err instanceof DataError) throw new FrameError('cbor', err.message, { cause: err })
    throw err
  }
  if (items.length !== 2) {
    throw new FrameError('item-count', `expected a header and a body, found ${items.length} CBOR value(s)`)
  }
  const [header, body] = items
  if (!isDataObject(header)) throw new FrameError('header', `header is ${describe(header)}, not a map`)
  const op = header.op
  if (op === 1) {
    const t = header.t
    if (typeof t !== 'string' || t.length === 0) throw new FrameError('header', 'op 1 without a string `t`')
    if (!isDataObject(body)) throw new FrameError('body', `body of ${t} is ${describe(body)}, not a map`)
    return { header: { op: 1, t }, body }
  }
  if (op === -1) {
    if (!isDataObject(body)) throw new FrameError('error-body', `error body is ${describe(body)}, not a map`)
    const { error, message } = body
    if (typeof error !== 'string') throw new FrameError('error-body', 'error frame without a string `error`')
    if (message !== undefined && typeof message !== 'string') {
      throw new FrameError('error-body', 'error frame `message` is not a string')
    }
    return { header: { op: -1 }, body: message === undefined ? { error } : { error, message } }
  }
  if (typeof op === 'number') throw new FrameError('unknown-op', `op ${op}`)
  throw new FrameError('header', `header op is ${describe(op)}, not an integer`)
}

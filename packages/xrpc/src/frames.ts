// Event-stream frames (event-stream.md, "Framing"): a DRISL-CBOR header then a payload, in one
// binary WebSocket message. Header `{op: 1, t}` for messages, `{op: -1}` for errors.
import { type DataValue, encodeCbor } from '@welkin/data'

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length)
  out.set(a, 0)
  out.set(b, a.length)
  return out
}

/** A message frame; `t` is the short type (`#commit`), `body` the payload object. */
export function encodeMessageFrame(t: string, body: DataValue): Uint8Array {
  return concat(encodeCbor({ op: 1, t }), encodeCbor(body))
}

/** An error frame; the stream must be closed right after it is sent. */
export function encodeErrorFrame(error: string, message?: string): Uint8Array {
  const payload: { error: string; message?: string } = { error }
  if (message !== undefined) payload.message = message
  return concat(encodeCbor({ op: -1 }), encodeCbor(payload))
}

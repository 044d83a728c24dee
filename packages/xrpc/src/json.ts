// JSON text for XRPC bodies: plain JSON.stringify, plus atproto-JSON `$bytes` for byte arrays
// (data-model.md, "JSON Representation"). CIDs already serialize through their own toJSON.
import { base64Encode } from '@welkin/data'

// Called with `this` as the holder: Buffer's own toJSON has already run on `value` by then.
function bytesAsJson(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = this[key]
  return raw instanceof Uint8Array ? { $bytes: base64Encode(raw) } : value
}

export function stringifyBody(body: unknown): string {
  return JSON.stringify(body, bytesAsJson) ?? 'null'
}

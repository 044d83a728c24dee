// The wire and signing form of updates, in strict DAG-CBOR (@welkin/data). DAG-CBOR as
// Welkin uses it has no floats, so a number that is not a safe integer travels as
// `{"f64": <8 bytes, IEEE 754 big-endian>}`; links keep GUN's `{"#": soul}` shape. Each
// value has exactly one encoding, so signatures and entry hashes are reproducible.
import { type DataValue, decodeCbor, encodeCbor } from '@welkin/data'
import { isValidState } from './clock.js'
import type { Update } from './entry.js'
import { WireFormatError } from './errors.js'
import { DEFAULT_LIMITS, type GraphLimits } from './limits.js'
import { checkProp, checkSoul } from './soul.js'
import { isLink, link, normalizeValue, type Value } from './value.js'

export function valueToData(v: Value): DataValue {
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v)) return v === 0 ? 0 : v
    const bytes = new Uint8Array(8)
    new DataView(bytes.buffer).setFloat64(0, v)
    return { f64: bytes }
  }
  if (isLink(v)) return { '#': v['#'] }
  return v as DataValue
}

export function valueFromData(d: DataValue, limits: GraphLimits = DEFAULT_LIMITS): Value {
  if (d === null || typeof d !== 'object') return normalizeValue(d, limits)
  if (d instanceof Uint8Array || Array.isArray(d))
    throw new WireFormatError('value must not be bytes or an array')
  const keys = Object.keys(d)
  if (keys.length === 1 && keys[0] === 'f64') {
    const bytes = (d as { f64: DataValue }).f64
    if (!(bytes instanceof Uint8Array) || bytes.length !== 8)
      throw new WireFormatError('f64 value must be 8 bytes')
    const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getFloat64(0)
    if (!Number.isFinite(n)) throw new WireFormatError(`f64 value must be finite, got ${n}`)
    // Safe integers (and -0) have the integer encoding; a second form would fork signatures.
    if (Number.isSafeInteger(n)) throw new WireFormatError(`f64 value ${n} must be sent as an integer`)
    return n
  }
  if (keys.length === 1 && keys[0] === '#' && typeof (d as { '#': DataValue })['#'] === 'string')
    return normalizeValue(link((d as { '#': string })['#']), limits)
  throw new WireFormatError('object values must be {"#": soul} or {"f64": bytes}')
}

/** Wire form of one update: `{soul, prop, value, state, sig?}` (no signer: it is the soul's). */
export function updateToData(u: Update): DataValue {
  const out: Record<string, DataValue> = {
    soul: u.soul,
    prop: u.prop,
    value: valueToData(u.value),
    state: u.state,
  }
  if (u.sig) out.sig = u.sig
  return out
}

const WIRE_KEYS = new Set(['soul', 'prop', 'value', 'state', 'sig', 'signer'])

/** Parses one wire update; signatures are checked later, by `Graph.merge`. */
export function updateFromData(d: DataValue, limits: GraphLimits = DEFAULT_LIMITS): Update {
  if (d === null || typeof d !== 'object' || Array.isArray(d) || d instanceof Uint8Array)
    throw new WireFormatError('update must be a map')
  const m = d as Record<string, DataValue>
  for (const k of Object.keys(m))
    if (!WIRE_KEYS.has(k)) throw new WireFormatError(`unknown update field ${k}`)
  try {
    checkSoul(m.soul, limits)
    checkProp(m.prop, limits)
  } catch (err) {
    throw new WireFormatError((err as Error).message, { cause: err })
  }
  if (!isValidState(m.state)) throw new WireFormatError('state must be a non-negative safe integer')
  if (m.sig !== undefined && !(m.sig instanceof Uint8Array)) throw new WireFormatError('sig must be bytes')
  if (m.signer !== undefined && typeof m.signer !== 'string')
    throw new WireFormatError('signer must be a string')
  let value: Value
  try {
    value = valueFromData(m.value, limits)
  } catch (err) {
    if (err instanceof WireFormatError) throw err
    throw new WireFormatError((err as Error).message, { cause: err })
  }
  const u: { -readonly [K in keyof Update]: Update[K] } = {
    soul: m.soul as string,
    prop: m.prop as string,
    value,
    state: m.state,
  }
  if (m.sig !== undefined) u.sig = m.sig as Uint8Array
  if (m.signer !== undefined) u.signer = m.signer as string
  return u
}

export interface DecodeOptions {
  limits?: GraphLimits
  /** Most updates in one batch (default 10,000). */
  maxUpdates?: number
  /** Largest encoded batch in bytes (default 16 MiB). */
  maxBytes?: number
}

/** A batch on the wire: a DAG-CBOR array of updates. */
export function encodeUpdates(updates: Iterable<Update>): Uint8Array {
  return encodeCbor(Array.from(updates, updateToData))
}

export function decodeUpdates(bytes: Uint8Array, opts: DecodeOptions = {}): Update[] {
  const maxUpdates = opts.maxUpdates ?? 10_000
  const maxBytes = opts.maxBytes ?? 16 * 2 ** 20
  if (bytes.length > maxBytes) throw new WireFormatError(`batch of ${bytes.length} bytes exceeds ${maxBytes}`)
  let data: DataValue
  try {
    // Depth 3: the batch array, an update map, a link or f64 map inside it.
    data = decodeCbor(bytes, { maxDepth: 3, maxBytes, maxItems: Math.max(maxUpdates, 8) })
  } catch (err) {
    throw new WireFormatError(`batch is not valid DAG-CBOR: ${(err as Error).message}`, { cause: err })
  }
  if (!Array.isArray(data)) throw new WireFormatError('batch must be an array of updates')
  if (data.length > maxUpdates)
    throw new WireFormatError(`batch of ${data.length} updates exceeds ${maxUpdates}`)
  return data.map((d, i) => {
    try {
      return updateFromData(d, opts.limits)
    } catch (err) {
      throw new WireFormatError(`update ${i}: ${(err as Error).message}`, { cause: err })
    }
  })
}

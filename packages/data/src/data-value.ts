// The atproto data model as JavaScript values (data-model spec, "Data Types").
import type { CID } from './cid.js'

/** One node of atproto data; numbers must be safe integers (the spec allows no floats). */
export type DataValue = null | boolean | number | string | Uint8Array | CID | DataValue[] | DataObject

export interface DataObject {
  [key: string]: DataValue
}

/** A plain object (not an array, bytes, CID or class instance): what decodes from a CBOR map. */
export function isDataObject(v: unknown): v is DataObject {
  if (typeof v !== 'object' || v === null) return false
  const proto = Object.getPrototypeOf(v)
  return proto === Object.prototype || proto === null
}

/** Deep equality of data values: CIDs by value, bytes by content, maps regardless of key order. */
export function dataEquals(a: DataValue, b: DataValue): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array && b instanceof Uint8Array) || a.length !== b.length) return false
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
    return true
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!(Array.isArray(a) && Array.isArray(b)) || a.length !== b.length) return false
    for (let i = 0; i < a.length; i++) if (!dataEquals(a[i], b[i])) return false
    return true
  }
  const ca = a as { equals?: unknown }
  if (!isDataObject(a) || !isDataObject(b)) {
    return typeof ca.equals === 'function' && (ca.equals as (o: unknown) => boolean)(b)
  }
  const ka = Object.keys(a)
  if (ka.length !== Object.keys(b).length) return false
  for (const k of ka) {
    if (!Object.hasOwn(b, k) || !dataEquals(a[k], b[k])) return false
  }
  return true
}

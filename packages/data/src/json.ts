// atproto-JSON (data-model spec, "JSON Representation"): links as {"$link": cid-string}, bytes
// as {"$bytes": base64}, no floats. Unlike DAG-JSON it is not byte-deterministic; CBOR is the
// canonical form.
import { base64Decode, base64Encode } from './base64.js'
import { CID } from './cid.js'
import type { DataObject, DataValue } from './data-value.js'
import { isDataObject } from './data-value.js'
import { DataError, InvalidDataError } from './errors.js'
import { DEFAULT_CBOR_LIMITS } from './limits.js'
import { objectProblem } from './validate.js'

const hasOwn = Object.prototype.hasOwnProperty

function setKey(out: DataObject, key: string, value: DataValue): void {
  // Assigning "__proto__" would set the prototype rather than add a key.
  if (key === '__proto__')
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true })
  else out[key] = value
}

function fromJson(v: unknown, depth: number, path: (string | number)[]): DataValue {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v
    case 'number':
      if (!Number.isSafeInteger(v)) {
        throw new InvalidDataError(
          Number.isInteger(v) ? `integer ${v} is outside the safe range` : `${v} is a float (not allowed)`,
          path,
        )
      }
      return v
    case 'object': {
      if (v === null) return null
      if (v instanceof CID || v instanceof Uint8Array) return v
      if (depth >= DEFAULT_CBOR_LIMITS.maxDepth) throw new InvalidDataError('nesting too deep', path)
      if (Array.isArray(v)) {
        const out: DataValue[] = new Array(v.length)
        for (let i = 0; i < v.length; i++) {
          path.push(i)
          out[i] = fromJson(v[i], depth + 1, path)
          path.pop()
        }
        return out
      }
      if (!isDataObject(v)) throw new InvalidDataError('not a JSON object', path)
      const keys = Object.keys(v)
      if (hasOwn.call(v, '$link')) {
        if (keys.length !== 1) throw new InvalidDataError('a $link object must have no other keys', path)
        if (typeof v.$link !== 'string') throw new InvalidDataError('$link must be a CID string', path)
        try {
          return CID.parse(v.$link)
        } catch (err) {
          throw new InvalidDataError(`bad $link: ${(err as Error).message}`, path)
        }
      }
      if (hasOwn.call(v, '$bytes')) {
        if (keys.length !== 1) throw new InvalidDataError('a $bytes object must have no other keys', path)
        if (typeof v.$bytes !== 'string') throw new InvalidDataError('$bytes must be a base64 string', path)
        try {
          return base64Decode(v.$bytes)
        } catch (err) {
          throw new InvalidDataError(`bad $bytes: ${(err as Error).message}`, path)
        }
      }
      const out: DataObject = {}
      for (const key of keys) {
        path.push(key)
        setKey(out, key, fromJson(v[key], depth + 1, path))
        path.pop()
      }
      const problem = objectProblem(out)
      if (problem) throw new InvalidDataError(problem, path)
      return out
    }
    default:
      throw new InvalidDataError(`${typeof v} is not a JSON value`, path)
  }
}

/** Converts parsed atproto-JSON to data; throws InvalidDataError (a DataError) naming the path. */
export function jsonToData(json: unknown): DataValue {
  return fromJson(json, 0, [])
}

/** Like jsonToData, for inputs whose top level must be an object (records, request bodies). */
export function jsonToDataObject(json: unknown): DataObject {
  const data = fromJson(json, 0, [])
  if (!isDataObject(data)) throw new InvalidDataError('top-level value must be an object', [])
  return data
}

function toJson(v: unknown, depth: number, path: (string | number)[]): unknown {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v
    case 'number':
      if (!Number.isSafeInteger(v)) throw new InvalidDataError(`${v} is not a safe integer`, path)
      return v
    case 'object': {
      if (v === null) return null
      if (v instanceof CID) return { $link: v.toString() }
      if (v instanceof Uint8Array) return { $bytes: base64Encode(v) }
      if (depth >= DEFAULT_CBOR_LIMITS.maxDepth) throw new InvalidDataError('nesting too deep', path)
      if (Array.isArray(v)) {
        const out: unknown[] = new Array(v.length)
        for (let i = 0; i < v.length; i++) {
          path.push(i)
          out[i] = toJson(v[i], depth + 1, path)
          path.pop()
        }
        return out
      }
      const cid = CID.asCID(v)
      if (cid) return { $link: cid.toString() }
      if (!isDataObject(v)) throw new InvalidDataError('not a data model value', path)
      const out: Record<string, unknown> = {}
      for (const key of Object.keys(v)) {
        path.push(key)
        const value = toJson(v[key], depth + 1, path)
        if (key === '__proto__')
          Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true })
        else out[key] = value
        path.pop()
      }
      return out
    }
    default:
      throw new InvalidDataError(`${typeof v} is not a data model value`, path)
  }
}

/** Converts data to plain JSON-ready values (CIDs as $link, bytes as unpadded $bytes). */
export function dataToJson(data: DataValue): unknown {
  return toJson(data, 0, [])
}

export function parseJsonData(text: string): DataValue {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new DataError(`invalid JSON: ${(err as Error).message}`)
  }
  return jsonToData(json)
}

export function stringifyData(value: DataValue): string {
  return JSON.stringify(dataToJson(value))
}

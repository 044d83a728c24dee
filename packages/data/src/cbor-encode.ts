// Strict DAG-CBOR encoder (DASL DRISL / IPLD DAG-CBOR as atproto uses it): minimal-length
// integers and lengths, definite lengths only, map keys sorted length-first then bytewise, CIDs
// as tag 42 over 0x00 + binary CID, and no floats, undefined or other simple values.

import { CID, CID_BYTES, cidProblem, writeCidBytes } from './cid.js'
import type { DataValue } from './data-value.js'
import { CborEncodeError } from './errors.js'
import { DEFAULT_CBOR_LIMITS } from './limits.js'
import { formatPath } from './path.js'
import { writeUtf8 } from './utf8.js'

// Never write what our own decoder (with default limits) would refuse to read back.
const MAX_DEPTH = DEFAULT_CBOR_LIMITS.maxDepth
const encoder = new TextEncoder()

interface EncoderState {
  buf: Uint8Array
  pos: number
  busy: boolean
}

// One growing scratch buffer reused across calls; encodeCbor returns an exact-size copy.
const shared: EncoderState = { buf: new Uint8Array(8192), pos: 0, busy: false }

function ensure(st: EncoderState, extra: number): void {
  const need = st.pos + extra
  if (need <= st.buf.length) return
  let size = st.buf.length * 2
  while (size < need) size *= 2
  const next = new Uint8Array(size)
  next.set(st.buf.subarray(0, st.pos))
  st.buf = next
}

/** Major type + argument, minimal form (RFC 8949 section 4.2.1, "preferred serialization"). */
function writeHead(st: EncoderState, major: number, n: number): void {
  ensure(st, 9)
  const buf = st.buf
  let p = st.pos
  const m = major << 5
  if (n < 24) buf[p++] = m | n
  else if (n < 0x100) {
    buf[p++] = m | 24
    buf[p++] = n
  } else if (n < 0x10000) {
    buf[p++] = m | 25
    buf[p++] = n >> 8
    buf[p++] = n & 0xff
  } else if (n < 0x100000000) {
    buf[p++] = m | 26
    buf[p++] = n >>> 24
    buf[p++] = (n >> 16) & 0xff
    buf[p++] = (n >> 8) & 0xff
    buf[p++] = n & 0xff
  } else {
    const hi = Math.floor(n / 0x100000000)
    const lo = n >>> 0
    buf[p++] = m | 27
    buf[p++] = hi >>> 24
    buf[p++] = (hi >> 16) & 0xff
    buf[p++] = (hi >> 8) & 0xff
    buf[p++] = hi & 0xff
    buf[p++] = lo >>> 24
    buf[p++] = (lo >> 16) & 0xff
    buf[p++] = (lo >> 8) & 0xff
    buf[p++] = lo & 0xff
  }
  st.pos = p
}

function headSize(n: number): number {
  return n < 24 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : n < 0x100000000 ? 5 : 9
}

function writeString(st: EncoderState, s: string): void {
  const n = s.length
  // Room for the worst case (3 bytes per UTF-16 unit) and a head sized for the ASCII guess.
  ensure(st, n * 3 + 9)
  const guess = headSize(n)
  const start = st.pos + guess
  const written = writeUtf8(st.buf, start, s)
  if (written !== n && !(s as unknown as { isWellFormed(): boolean }).isWellFormed()) {
    throw new CborEncodeError('string is not well-formed Unicode (lone surrogate)')
  }
  const actual = headSize(written)
  if (actual !== guess) st.buf.copyWithin(st.pos + actual, start, start + written)
  writeHead(st, 3, written)
  st.pos += written
}

function writeBytes(st: EncoderState, b: Uint8Array): void {
  writeHead(st, 2, b.length)
  ensure(st, b.length)
  st.buf.set(b, st.pos)
  st.pos += b.length
}

function writeCid(st: EncoderState, cid: CID): void {
  ensure(st, CID_BYTES + 5)
  const buf = st.buf
  const p = st.pos
  // tag 42 (0xd8 0x2a), byte string of 37 (0x58 0x25), multibase identity prefix 0x00.
  buf[p] = 0xd8
  buf[p + 1] = 0x2a
  buf[p + 2] = 0x58
  buf[p + 3] = CID_BYTES + 1
  buf[p + 4] = 0
  writeCidBytes(cid, buf, p + 5)
  st.pos = p + 5 + CID_BYTES
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return a.length - b.length
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i]
  return 0
}

function compareAscii(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0)
}

function hasNonAscii(keys: string[]): boolean {
  for (let k = 0; k < keys.length; k++) {
    const s = keys[k]
    for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return true
  }
  return false
}

/**
 * Keys in DAG-CBOR order: by UTF-8 length, then bytewise. For ASCII keys UTF-16 length and
 * order equal UTF-8 length and order, so plain string comparison is exact. Records have a
 * handful of keys: an inline insertion sort beats Array.prototype.sort with a comparator.
 */
export function sortKeys(keys: string[]): string[] {
  const n = keys.length
  if (n < 2) return keys
  if (hasNonAscii(keys)) {
    const encoded = keys.map((k) => ({ k, b: encoder.encode(k) }))
    encoded.sort((x, y) => compareBytes(x.b, y.b))
    return encoded.map((e) => e.k)
  }
  if (n > 16) return keys.sort(compareAscii)
  for (let i = 1; i < n; i++) {
    const key = keys[i]
    const len = key.length
    let j = i - 1
    while (j >= 0) {
      const other = keys[j]
      if (other.length < len || (other.length === len && other < key)) break
      keys[j + 1] = other
      j--
    }
    keys[j + 1] = key
  }
  return keys
}

function describe(v: unknown): string {
  if (typeof v === 'number') return `number ${v}`
  if (typeof v === 'object' && v !== null) return v.constructor?.name ?? 'object'
  return typeof v
}

function writeValue(st: EncoderState, v: unknown, depth: number): void {
  switch (typeof v) {
    case 'string':
      writeString(st, v)
      return
    case 'number':
      if (!Number.isSafeInteger(v)) {
        throw new CborEncodeError(
          Number.isInteger(v)
            ? `integer ${v} is outside the safe range`
            : `${v} is not an integer (no floats)`,
        )
      }
      if (v >= 0) writeHead(st, 0, v)
      else writeHead(st, 1, -1 - v)
      return
    case 'boolean':
      ensure(st, 1)
      st.buf[st.pos++] = v ? 0xf5 : 0xf4
      return
    case 'object':
      if (v === null) {
        ensure(st, 1)
        st.buf[st.pos++] = 0xf6
        return
      }
      if (Array.isArray(v)) {
        if (depth >= MAX_DEPTH) throw new CborEncodeError(`nesting deeper than ${MAX_DEPTH} (a cycle?)`)
        writeHead(st, 4, v.length)
        for (let i = 0; i < v.length; i++) {
          try {
            writeValue(st, v[i], depth + 1)
          } catch (err) {
            if (err instanceof CborEncodeError) err.path.unshift(i)
            throw err
          }
        }
        return
      }
      if (v instanceof Uint8Array) {
        writeBytes(st, v)
        return
      }
      if (v instanceof CID) {
        writeCid(st, v)
        return
      }
      {
        const proto = Object.getPrototypeOf(v)
        if (proto === Object.prototype || proto === null) {
          writeMap(st, v as Record<string, unknown>, depth)
          return
        }
      }
      {
        const cid = CID.asCID(v)
        if (cid) {
          writeCid(st, cid)
          return
        }
        const bytes = (v as { bytes?: unknown }).bytes
        if (bytes instanceof Uint8Array && cidProblem(bytes, 0, bytes.length)) {
          throw new CborEncodeError(`CID not allowed: ${cidProblem(bytes, 0, bytes.length)}`)
        }
      }
      throw new CborEncodeError(`${describe(v)} is not a data model value`)
    default:
      throw new CborEncodeError(`${describe(v)} is not a data model value`)
  }
}

function writeMap(st: EncoderState, obj: Record<string, unknown>, depth: number): void {
  if (depth >= MAX_DEPTH) throw new CborEncodeError(`nesting deeper than ${MAX_DEPTH} (a cycle?)`)
  const keys = sortKeys(Object.keys(obj))
  writeHead(st, 5, keys.length)
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]
    try {
      writeString(st, key)
      writeValue(st, obj[key], depth + 1)
    } catch (err) {
      if (err instanceof CborEncodeError) err.path.unshift(key)
      throw err
    }
  }
}

/** Encodes a data model value as strict DAG-CBOR; throws CborEncodeError naming the offending path. */
export function encodeCbor(value: DataValue): Uint8Array {
  // A getter on the value could re-enter; give a nested call its own buffer.
  const st: EncoderState = shared.busy ? { buf: new Uint8Array(1024), pos: 0, busy: true } : shared
  st.busy = true
  st.pos = 0
  try {
    writeValue(st, value, 0)
    return st.buf.slice(0, st.pos)
  } catch (err) {
    if (err instanceof CborEncodeError) err.message = `${err.reason} at ${formatPath(err.path)}`
    throw err
  } finally {
    if (st === shared) {
      st.busy = false
      // Do not pin a huge buffer after one large encode.
      if (st.buf.length > 1 << 20) st.buf = new Uint8Array(8192)
    }
  }
}

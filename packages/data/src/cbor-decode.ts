// Strict DAG-CBOR decoder. Accepts exactly the byte strings our encoder produces: anything that
// is not the one canonical encoding of a data model value is rejected (DRISL / IPLD DAG-CBOR
// "strictness"), so a block that decodes also re-encodes to the same bytes and the same CID.
//
// Decoded byte strings and CIDs are views into the input (no copies): do not mutate the input
// while decoded values are in use.
import { cidFromCheckedBytes, cidProblem } from './cid.js'
import type { DataObject, DataValue } from './data-value.js'
import { CborDecodeError } from './errors.js'
import { type CborLimits, DEFAULT_CBOR_LIMITS } from './limits.js'
import { decodeUtf8, decodeUtf8Cached } from './utf8.js'

const MAX_SAFE = Number.MAX_SAFE_INTEGER
// Largest high word of a 64-bit argument that keeps it at or below 2^53 - 1.
const MAX_SAFE_HI = 0x1fffff

function fail(message: string, offset: number): never {
  throw new CborDecodeError(message, offset)
}

class Reader {
  pos = 0
  readonly buf: Uint8Array
  readonly end: number
  readonly maxDepth: number
  readonly maxItems: number

  constructor(buf: Uint8Array, limits: CborLimits | undefined) {
    this.buf = buf
    this.end = buf.length
    this.maxDepth = limits?.maxDepth ?? DEFAULT_CBOR_LIMITS.maxDepth
    this.maxItems = limits?.maxItems ?? DEFAULT_CBOR_LIMITS.maxItems
  }

  /** The argument of a head whose additional info is >= 24; `at` is the head's offset. */
  readArg(info: number, at: number): number {
    const buf = this.buf
    const p = this.pos
    switch (info) {
      case 24: {
        if (p + 1 > this.end) fail('unexpected end of input', at)
        const v = buf[p]
        if (v < 24) fail('integer or length not minimally encoded', at)
        this.pos = p + 1
        return v
      }
      case 25: {
        if (p + 2 > this.end) fail('unexpected end of input', at)
        const v = (buf[p] << 8) | buf[p + 1]
        if (v < 0x100) fail('integer or length not minimally encoded', at)
        this.pos = p + 2
        return v
      }
      case 26: {
        if (p + 4 > this.end) fail('unexpected end of input', at)
        const v = buf[p] * 0x1000000 + ((buf[p + 1] << 16) | (buf[p + 2] << 8) | buf[p + 3])
        if (v < 0x10000) fail('integer or length not minimally encoded', at)
        this.pos = p + 4
        return v
      }
      case 27: {
        if (p + 8 > this.end) fail('unexpected end of input', at)
        const hi = buf[p] * 0x1000000 + ((buf[p + 1] << 16) | (buf[p + 2] << 8) | buf[p + 3])
        const lo = buf[p + 4] * 0x1000000 + ((buf[p + 5] << 16) | (buf[p + 6] << 8) | buf[p + 7])
        if (hi === 0) fail('integer or length not minimally encoded', at)
        if (hi > MAX_SAFE_HI) fail('integer or length above 2^53 - 1', at)
        this.pos = p + 8
        return hi * 0x100000000 + lo
      }
      case 31:
        return fail('indefinite-length items are not allowed', at)
      default:
        return fail(`reserved additional information ${info}`, at)
    }
  }

  readValue(depth: number): DataValue {
    const buf = this.buf
    const at = this.pos
    if (at >= this.end) fail('unexpected end of input', at)
    const ib = buf[at]
    this.pos = at + 1
    const info = ib & 31
    switch (ib >> 5) {
      case 0:
        return info < 24 ? info : this.readArg(info, at)
      case 1: {
        const n = info < 24 ? info : this.readArg(info, at)
        if (n >= MAX_SAFE) fail('negative integer below -(2^53 - 1)', at)
        return -1 - n
      }
      case 2: {
        const len = info < 24 ? info : this.readArg(info, at)
        const start = this.pos
        if (len > this.end - start) fail(`byte string of ${len} bytes overruns the input`, at)
        this.pos = start + len
        return buf.subarray(start, start + len)
      }
      case 3: {
        const len = info < 24 ? info : this.readArg(info, at)
        const start = this.pos
        if (len > this.end - start) fail(`text string of ${len} bytes overruns the input`, at)
        this.pos = start + len
        try {
          return decodeUtf8(buf, start, start + len)
        } catch {
          return fail('text string is not valid UTF-8', at)
        }
      }
      case 4: {
        const len = info < 24 ? info : this.readArg(info, at)
        if (depth >= this.maxDepth) fail(`nesting deeper than ${this.maxDepth}`, at)
        if (len > this.maxItems) fail(`array of ${len} items exceeds the limit of ${this.maxItems}`, at)
        if (len > this.end - this.pos) fail(`array of ${len} items overruns the input`, at)
        const arr: DataValue[] = []
        for (let i = 0; i < len; i++) arr.push(this.readValue(depth + 1))
        return arr
      }
      case 5:
        return this.readMap(info, at, depth)
      case 6:
        return this.readCid(info, at)
      default:
        switch (info) {
          case 20:
            return false
          case 21:
            return true
          case 22:
            return null
          case 23:
            return fail('undefined is not allowed', at)
          case 25:
          case 26:
          case 27:
            return fail('floats are not allowed in atproto data', at)
          case 31:
            return fail('unexpected break (indefinite lengths are not allowed)', at)
          default:
            return fail(`simple value ${info === 24 ? buf[at + 1] : info} is not allowed`, at)
        }
    }
  }

  readMap(info: number, at: number, depth: number): DataObject {
    const len = info < 24 ? info : this.readArg(info, at)
    if (depth >= this.maxDepth) fail(`nesting deeper than ${this.maxDepth}`, at)
    if (len > this.maxItems) fail(`map of ${len} entries exceeds the limit of ${this.maxItems}`, at)
    if (len * 2 > this.end - this.pos) fail(`map of ${len} entries overruns the input`, at)
    const buf = this.buf
    const obj: DataObject = {}
    let prevStart = 0
    let prevLen = -1
    for (let i = 0; i < len; i++) {
      const kat = this.pos
      if (kat >= this.end) fail('unexpected end of input', kat)
      const kib = buf[kat]
      if (kib >> 5 !== 3) fail('map keys must be text strings', kat)
      this.pos = kat + 1
      const kinfo = kib & 31
      const klen = kinfo < 24 ? kinfo : this.readArg(kinfo, kat)
      const ks = this.pos
      if (klen > this.end - ks) fail(`map key of ${klen} bytes overruns the input`, kat)
      // Canonical order: shorter keys first, equal lengths bytewise (DAG-CBOR map key sorting).
      if (klen < prevLen) fail('map keys are not in canonical order', kat)
      if (klen === prevLen) {
        let j = 0
        while (j < klen && buf[ks + j] === buf[prevStart + j]) j++
        if (j === klen) fail('duplicate map key', kat)
        if (buf[ks + j] < buf[prevStart + j]) fail('map keys are not in canonical order', kat)
      }
      prevStart = ks
      prevLen = klen
      this.pos = ks + klen
      let key: string
      try {
        key = decodeUtf8Cached(buf, ks, ks + klen)
      } catch {
        return fail('map key is not valid UTF-8', kat)
      }
      const value = this.readValue(depth + 1)
      // A plain assignment to "__proto__" would replace the prototype instead of adding a key.
      if (key === '__proto__') {
        Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true })
      } else obj[key] = value
    }
    return obj
  }

  readCid(info: number, at: number): DataValue {
    const tag = info < 24 ? info : this.readArg(info, at)
    if (tag !== 42) fail(`tag ${tag} is not allowed (only 42, CID)`, at)
    const bat = this.pos
    if (bat >= this.end) fail('unexpected end of input', bat)
    const bib = this.buf[bat]
    if (bib >> 5 !== 2) fail('tag 42 must wrap a byte string', bat)
    this.pos = bat + 1
    const binfo = bib & 31
    const len = binfo < 24 ? binfo : this.readArg(binfo, bat)
    const start = this.pos
    if (len > this.end - start) fail(`CID of ${len} bytes overruns the input`, bat)
    if (len === 0 || this.buf[start] !== 0)
      fail('CID in tag 42 must start with the 0x00 multibase prefix', bat)
    const problem = cidProblem(this.buf, start + 1, len - 1)
    if (problem) fail(problem, bat)
    this.pos = start + len
    return cidFromCheckedBytes(this.buf, start + 1)
  }
}

function reader(bytes: Uint8Array, opts: CborLimits | undefined): Reader {
  if (!(bytes instanceof Uint8Array)) throw new CborDecodeError('input must be a Uint8Array', 0)
  const maxBytes = opts?.maxBytes ?? DEFAULT_CBOR_LIMITS.maxBytes
  if (bytes.length > maxBytes) fail(`input of ${bytes.length} bytes exceeds the limit of ${maxBytes}`, 0)
  return new Reader(bytes, opts)
}

/** Decodes exactly one strict DAG-CBOR value; throws CborDecodeError (with `offset`) otherwise. */
export function decodeCbor(bytes: Uint8Array, opts?: CborLimits): DataValue {
  const r = reader(bytes, opts)
  const value = r.readValue(0)
  if (r.pos !== r.end) fail(`${r.end - r.pos} trailing bytes after the value`, r.pos)
  return value
}

/** Decodes concatenated values (e.g. an event-stream frame: header then body). */
export function decodeCborMulti(bytes: Uint8Array, opts?: CborLimits): DataValue[] {
  const r = reader(bytes, opts)
  const out: DataValue[] = []
  while (r.pos < r.end) {
    if (out.length >= r.maxItems) fail(`more than ${r.maxItems} concatenated values`, r.pos)
    out.push(r.readValue(0))
  }
  return out
}

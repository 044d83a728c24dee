// Content identifiers restricted to the "blessed" atproto forms (data-model spec, "Link and CID
// Formats"): CIDv1, codec dag-cbor (0x71) or raw (0x55), sha2-256 with a 32-byte digest, written
// as multibase base32 lower ('b...'). The spec allows no other CID anywhere, including CIDv0,
// so everything else is a CidError (see README, "CIDv0").
import { base32Decode, base32Encode } from './base32.js'
import { CidError, type DataError } from './errors.js'

export const DAG_CBOR = 0x71
export const RAW = 0x55
export const SHA2_256 = 0x12

/** Binary length of every CID this package accepts: version, codec, hash code, digest length, digest. */
export const CID_BYTES = 36

const inspect = Symbol.for('nodejs.util.inspect.custom')

function codecName(code: number): string {
  return code === DAG_CBOR ? 'dag-cbor' : 'raw'
}

/** Why `bytes[start, start + 36)` is not a blessed CID, or null when it is. */
export function cidProblem(bytes: Uint8Array, start: number, length: number): string | null {
  if (length >= 2 && bytes[start] === SHA2_256 && bytes[start + 1] === 32) {
    return 'CIDv0 is not allowed in atproto (CIDv1 only)'
  }
  if (length < 4) return `CID is truncated (${length} bytes)`
  if (bytes[start] !== 1) return `unsupported CID version ${bytes[start]} (only CIDv1)`
  const code = bytes[start + 1]
  if (code !== DAG_CBOR && code !== RAW) {
    return `unsupported CID codec 0x${code.toString(16)} (only dag-cbor 0x71 and raw 0x55)`
  }
  if (bytes[start + 2] !== SHA2_256)
    return `unsupported CID hash 0x${bytes[start + 2].toString(16)} (only sha2-256)`
  if (bytes[start + 3] !== 32) return `sha2-256 digest length must be 32, got ${bytes[start + 3]}`
  if (length !== CID_BYTES) return `CID must be ${CID_BYTES} bytes, got ${length}`
  return null
}

let trusted: (buf: Uint8Array, offset: number) => CID
let keyed: (cid: CID, key: string) => CID
let copyInto: (cid: CID, target: Uint8Array, pos: number) => void

export class CID {
  // A CID decoded from a larger buffer (a CBOR block, a CAR) points into it: creating a typed
  // array view costs more than the rest of the decode, so `bytes` is materialized on demand.
  private readonly buf: Uint8Array
  private readonly off: number
  private view: Uint8Array | undefined
  private str: string | undefined
  private mapKey: string | undefined

  private constructor(buf: Uint8Array, off: number) {
    this.buf = buf
    this.off = off
    this.view = off === 0 && buf.length === CID_BYTES ? buf : undefined
    this.str = undefined
    this.mapKey = undefined
  }

  static {
    trusted = (buf, off) => new CID(buf, off)
    keyed = (cid, key) => {
      cid.mapKey = key
      return cid
    }
    copyInto = (cid, target, pos) => {
      const src = cid.buf
      const off = cid.off
      for (let i = 0; i < CID_BYTES; i++) target[pos + i] = src[off + i]
    }
  }

  get version(): 1 {
    return 1
  }

  get code(): number {
    return this.buf[this.off + 1]
  }

  /** The binary CID (36 bytes). May be a view into the buffer it was decoded from. */
  get bytes(): Uint8Array {
    let v = this.view
    if (v === undefined) {
      v = this.buf.subarray(this.off, this.off + CID_BYTES)
      this.view = v
    }
    return v
  }

  /** The 32-byte sha2-256 digest (a view into `bytes`). */
  get digest(): Uint8Array {
    return this.buf.subarray(this.off + 4, this.off + CID_BYTES)
  }

  /** Binary CID as it appears in CAR sections and (after a 0x00 prefix) in DAG-CBOR tag 42. Copies its input. */
  static decode(bytes: Uint8Array): CID {
    const problem = cidProblem(bytes, 0, bytes.length)
    if (problem) throw new CidError(problem)
    return new CID(bytes.slice(), 0)
  }

  static parse(s: string): CID {
    if (typeof s !== 'string') throw new CidError('CID string must be a string')
    if (s.startsWith('Qm') && s.length === 46)
      throw new CidError('CIDv0 is not allowed in atproto (CIDv1 only)')
    if (s[0] !== 'b')
      throw new CidError(
        `CID string must use multibase base32 lower ('b'), got ${JSON.stringify(s.slice(0, 12))}`,
      )
    let bytes: Uint8Array
    try {
      bytes = base32Decode(s.slice(1))
    } catch (err) {
      throw new CidError(`invalid CID string: ${(err as DataError).message}`)
    }
    const problem = cidProblem(bytes, 0, bytes.length)
    if (problem) throw new CidError(problem)
    const cid = new CID(bytes, 0)
    // base32Decode accepts only the canonical spelling, so the input is the string form.
    cid.str = s
    return cid
  }

  static create(code: number, digest: Uint8Array): CID {
    if (code !== DAG_CBOR && code !== RAW)
      throw new CidError(`unsupported CID codec ${code} (only 0x71 and 0x55)`)
    if (!(digest instanceof Uint8Array) || digest.length !== 32) {
      throw new CidError('sha2-256 digest must be 32 bytes')
    }
    const bytes = new Uint8Array(CID_BYTES)
    bytes[0] = 1
    bytes[1] = code
    bytes[2] = SHA2_256
    bytes[3] = 32
    bytes.set(digest, 4)
    return new CID(bytes, 0)
  }

  /**
   * Our CID for `v`, or null. Accepts CID objects of other libraries (multiformats) when they
   * are blessed atproto CIDs, so values built with those libraries still encode.
   */
  static asCID(v: unknown): CID | null {
    if (v instanceof CID) return v
    if (typeof v !== 'object' || v === null) return null
    const o = v as { asCID?: unknown; bytes?: unknown; '/'?: unknown }
    if ((o.asCID === v || o['/'] === o.bytes) && o.bytes instanceof Uint8Array) {
      return cidProblem(o.bytes, 0, o.bytes.length) ? null : new CID(o.bytes.slice(), 0)
    }
    return null
  }

  toString(): string {
    let s = this.str
    if (s === undefined) {
      s = `b${base32Encode(this.buf, this.off, this.off + CID_BYTES)}`
      this.str = s
    }
    return s
  }

  toJSON(): { $link: string } {
    return { $link: this.toString() }
  }

  equals(other: CID | null | undefined): boolean {
    if (other === this) return true
    if (!(other instanceof CID)) return false
    const a = this.buf
    const b = other.buf
    const ao = this.off
    const bo = other.off
    // Compare from the end: digests differ early there, the shared prefix is constant.
    for (let i = CID_BYTES - 1; i >= 0; i--) if (a[ao + i] !== b[bo + i]) return false
    return true
  }

  /**
   * A compact string identifying this CID exactly, for use as a Map key (not a display form):
   * the digest as 32 Latin-1 characters, after an 'r' for raw blocks. A dag-cbor block's key is
   * thus what sha256Latin1 returns for its bytes, so a CAR reader gets it for free.
   */
  get key(): string {
    let k = this.mapKey
    if (k === undefined) {
      const b = this.buf
      const o = this.off + 4
      k = String.fromCharCode(
        b[o],
        b[o + 1],
        b[o + 2],
        b[o + 3],
        b[o + 4],
        b[o + 5],
        b[o + 6],
        b[o + 7],
        b[o + 8],
        b[o + 9],
        b[o + 10],
        b[o + 11],
        b[o + 12],
        b[o + 13],
        b[o + 14],
        b[o + 15],
        b[o + 16],
        b[o + 17],
        b[o + 18],
        b[o + 19],
        b[o + 20],
        b[o + 21],
        b[o + 22],
        b[o + 23],
        b[o + 24],
        b[o + 25],
        b[o + 26],
        b[o + 27],
        b[o + 28],
        b[o + 29],
        b[o + 30],
        b[o + 31],
      )
      if (b[this.off + 1] !== DAG_CBOR) k = `r${k}`
      this.mapKey = k
    }
    return k
  }

  get [Symbol.toStringTag](): string {
    return 'CID'
  }

  [inspect](): string {
    return `CID(${this.toString()}, ${codecName(this.code)})`
  }
}

/** A CID over `buf[offset, offset + 36)`, already checked with cidProblem; no copy is made. */
export function cidFromCheckedBytes(buf: Uint8Array, offset: number): CID {
  return trusted(buf, offset)
}

/**
 * The blessed CID in `buf[offset, offset + 36)` as a view into `buf` (no copy), or null when
 * those bytes are not one. For parsers of fixed layouts that find CIDs at known offsets; the
 * caller must not mutate `buf` while the CID is in use.
 */
export function cidView(buf: Uint8Array, offset: number): CID | null {
  if (offset < 0 || buf.length - offset < CID_BYTES) return null
  return cidProblem(buf, offset, CID_BYTES) === null ? trusted(buf, offset) : null
}

/** A CID for a digest given as 32 Latin-1 characters (see digest.ts). */
export function cidFromDigestString(code: number, digest: string): CID {
  const bytes = new Uint8Array(CID_BYTES)
  bytes[0] = 1
  bytes[1] = code
  bytes[2] = SHA2_256
  bytes[3] = 32
  for (let i = 0; i < 32; i++) bytes[4 + i] = digest.charCodeAt(i)
  return keyed(trusted(bytes, 0), code === DAG_CBOR ? digest : `r${digest}`)
}

/**
 * The CID over `buf[offset, offset + 36)`, checked with cidProblem, whose digest is known to be
 * `digest` (32 Latin-1 characters): the map key comes with it. No copy is made.
 */
export function cidFromCheckedDigest(buf: Uint8Array, offset: number, digest: string): CID {
  return keyed(trusted(buf, offset), buf[offset + 1] === DAG_CBOR ? digest : `r${digest}`)
}

/** Writes the 36 binary CID bytes at `target[pos]`. */
export function writeCidBytes(cid: CID, target: Uint8Array, pos: number): void {
  copyInto(cid, target, pos)
}

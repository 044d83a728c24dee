// CAR v1 framing shared by the readers (CARv1 spec; DASL CAR): a varint-prefixed DAG-CBOR header
// {version: 1, roots: [CID...]}, then varint-prefixed sections of binary CID + block bytes.
import { decodeCbor } from './cbor-decode.js'
import { CID, CID_BYTES, cidFromCheckedBytes, cidFromCheckedDigest, cidProblem, cidView } from './cid.js'
import { isDataObject } from './data-value.js'
import { digestEquals, sha256Latin1 } from './digest.js'
import { CarError, type DataError } from './errors.js'
import { type CarLimits, DEFAULT_CAR_LIMITS } from './limits.js'

/** Headers hold a few root CIDs; anything this large is not a real header. */
export const MAX_HEADER_BYTES = 64 * 1024

export interface ResolvedCarLimits {
  maxBlockBytes: number
  maxTotalBytes: number
  maxBlocks: number
}

export function resolveCarLimits(opts: CarLimits | undefined): ResolvedCarLimits {
  return {
    maxBlockBytes: opts?.maxBlockBytes ?? DEFAULT_CAR_LIMITS.maxBlockBytes,
    maxTotalBytes: opts?.maxTotalBytes ?? DEFAULT_CAR_LIMITS.maxTotalBytes,
    maxBlocks: opts?.maxBlocks ?? DEFAULT_CAR_LIMITS.maxBlocks,
  }
}

/** Parses the header's CBOR (the bytes after its length varint); `offset` is where they start. */
export function parseHeader(bytes: Uint8Array, offset: number): CID[] {
  const root = singleRoot(bytes)
  if (root !== null) return [root]
  let header: unknown
  try {
    header = decodeCbor(bytes, { maxBytes: MAX_HEADER_BYTES })
  } catch (err) {
    throw new CarError(`CAR header is not valid DAG-CBOR: ${(err as DataError).message}`, offset, {
      cause: err,
    })
  }
  if (!isDataObject(header)) throw new CarError('CAR header must be a map', offset)
  if (header.version === 2) throw new CarError('CARv2 is not supported (CARv1 only)', offset)
  if (header.version !== 1)
    throw new CarError(`CAR header version must be 1, got ${String(header.version)}`, offset)
  const roots = header.roots
  if (!Array.isArray(roots)) throw new CarError('CAR header roots must be an array', offset)
  for (const root of roots)
    if (!(root instanceof CID)) throw new CarError('CAR header roots must be CIDs', offset)
  return roots as CID[]
}

// A firehose slice's header, {roots: [commit], version: 1}, in its one canonical encoding.
const SINGLE_ROOT_HEAD = [0xa2, 0x65, 0x72, 0x6f, 0x6f, 0x74, 0x73, 0x81, 0xd8, 0x2a, 0x58, 0x25, 0x00]
const SINGLE_ROOT_TAIL = [0x67, 0x76, 0x65, 0x72, 0x73, 0x69, 0x6f, 0x6e, 0x01]
const SINGLE_ROOT_BYTES = SINGLE_ROOT_HEAD.length + CID_BYTES + SINGLE_ROOT_TAIL.length

/** The root of a header that is exactly that encoding, else null (the generic path decides). */
function singleRoot(bytes: Uint8Array): CID | null {
  if (bytes.length !== SINGLE_ROOT_BYTES) return null
  for (let i = 0; i < SINGLE_ROOT_HEAD.length; i++) if (bytes[i] !== SINGLE_ROOT_HEAD[i]) return null
  const tail = SINGLE_ROOT_HEAD.length + CID_BYTES
  for (let i = 0; i < SINGLE_ROOT_TAIL.length; i++) if (bytes[tail + i] !== SINGLE_ROOT_TAIL[i]) return null
  return cidView(bytes, SINGLE_ROOT_HEAD.length)
}

/** Checks the declared section length before anything is read or allocated. */
export function checkSectionLength(len: number, limits: ResolvedCarLimits, offset: number): void {
  if (len < CID_BYTES) throw new CarError(`CAR section of ${len} bytes is too short for a CID`, offset)
  if (len - CID_BYTES > limits.maxBlockBytes) {
    throw new CarError(
      `CAR block of ${len - CID_BYTES} bytes exceeds the limit of ${limits.maxBlockBytes}`,
      offset,
    )
  }
}

/**
 * The block of the section at `buf[start, start + len)`, hash-checked. The CID and bytes are
 * views into `buf`. `offset` is the section's position in the whole CAR, for errors.
 */
export function parseSection(buf: Uint8Array, start: number, len: number, offset: number) {
  const problem = cidProblem(buf, start, CID_BYTES)
  if (problem) throw new CarError(`CAR section has a bad CID: ${problem}`, offset)
  const bytes = buf.subarray(start + CID_BYTES, start + len)
  const digest = sha256Latin1(bytes)
  if (!digestEquals(digest, buf, start + 4)) {
    throw new CarError(`CAR block ${cidFromCheckedBytes(buf, start)} does not match its CID`, offset)
  }
  return { cid: cidFromCheckedDigest(buf, start, digest), bytes }
}

/** Wraps a varint failure (DataError) as a CarError at `offset`. */
export function varintError(err: unknown, offset: number): CarError {
  return new CarError(`bad CAR length prefix: ${(err as Error).message}`, offset, { cause: err })
}

// A commit block read directly, and the bytes its signature covers cut out of it rather than
// re-encoded. A valid v3 commit is canonical DAG-CBOR with exactly six fields, in the key order
// did, rev, sig, data, prev, version (repository.md "Commit Objects"); dropping the `sig` entry
// and saying five entries instead of six gives, byte for byte, the encoding of the same object
// without `sig`, which is what was signed.
//
// The reader accepts only that exact layout, with the checks of decodeCommit; on anything else
// it answers null and the caller takes the generic path (which words the error).
import { type CID, cidView, DAG_CBOR } from '@welkin/data'
import { isValidDid, isValidTid } from '@welkin/syntax'
import type { Commit } from '../commit.js'

export interface CommitBlock {
  commit: Commit
  /** The `sig` entry (key and value) is `bytes[sigAt, sigEnd)`. */
  sigAt: number
  sigEnd: number
}

// Text and byte-string heads up to 2^16 bytes: every DID, TID and signature we accept.
function stringEnd(b: Uint8Array, pos: number, major: number): number {
  if (pos >= b.length || b[pos] >> 5 !== major) return -1
  const info = b[pos] & 31
  if (info < 24) return pos + 1 + info
  if (info === 24) return pos + 2 < b.length && b[pos + 1] >= 24 ? pos + 2 + b[pos + 1] : -1
  if (info === 25) {
    if (pos + 3 > b.length) return -1
    const len = (b[pos + 1] << 8) | b[pos + 2]
    return len >= 0x100 ? pos + 3 + len : -1
  }
  return -1
}

function stringStart(b: Uint8Array, pos: number): number {
  const info = b[pos] & 31
  return pos + (info < 24 ? 1 : info === 24 ? 2 : 3)
}

// Only ASCII is read here (DIDs and TIDs are ASCII); anything else goes the generic way.
function ascii(b: Uint8Array, start: number, end: number): string | null {
  for (let i = start; i < end; i++) if (b[i] >= 0x80) return null
  return String.fromCharCode.apply(null, b.subarray(start, end) as unknown as number[])
}

/** A dag-cbor link (tag 42, 0x00 prefix, CIDv1) at `b[pos]`, or null. */
function linkAt(b: Uint8Array, pos: number): CID | null {
  if (b.length - pos < 41 || b[pos] !== 0xd8 || b[pos + 1] !== 0x2a || b[pos + 2] !== 0x58) return null
  if (b[pos + 3] !== 0x25 || b[pos + 4] !== 0) return null
  const cid = cidView(b, pos + 5)
  return cid !== null && cid.code === DAG_CBOR ? cid : null
}

function isKey(b: Uint8Array, pos: number, key: string): boolean {
  const n = key.length
  if (b[pos] !== (0x60 | n)) return false
  for (let i = 0; i < n; i++) if (b[pos + 1 + i] !== key.charCodeAt(i)) return false
  return true
}

/** The commit in `bytes` and where its signature entry sits, or null (see above). */
export function readCommitBlock(bytes: Uint8Array): CommitBlock | null {
  const b = bytes
  if (b.length < 16 || b[0] !== 0xa6 || !isKey(b, 1, 'did')) return null
  const didEnd = stringEnd(b, 5, 3)
  if (didEnd < 0 || didEnd > b.length || !isKey(b, didEnd, 'rev')) return null
  const revEnd = stringEnd(b, didEnd + 4, 3)
  if (revEnd < 0 || revEnd > b.length || !isKey(b, revEnd, 'sig')) return null
  const sigAt = revEnd
  const sigEnd = stringEnd(b, sigAt + 4, 2)
  if (sigEnd < 0 || sigEnd > b.length || !isKey(b, sigEnd, 'data')) return null
  const data = linkAt(b, sigEnd + 5)
  let pos = sigEnd + 5 + 41
  if (pos > b.length || !isKey(b, pos, 'prev')) return null
  pos += 5
  let prev: CID | null = null
  if (b[pos] === 0xf6) pos += 1
  else {
    prev = linkAt(b, pos)
    if (prev === null) return null
    pos += 41
  }
  // version: 3, the last byte.
  if (pos + 9 !== b.length || !isKey(b, pos, 'version') || b[pos + 8] !== 3) return null
  const did = ascii(b, stringStart(b, 5), didEnd)
  const rev = ascii(b, stringStart(b, didEnd + 4), revEnd)
  if (data === null || did === null || rev === null || !isValidDid(did) || !isValidTid(rev)) return null
  const sig = b.subarray(stringStart(b, sigAt + 4), sigEnd)
  return { commit: { did, version: 3, data, rev, prev, sig }, sigAt, sigEnd }
}

let scratch = new Uint8Array(512)

/** The unsigned encoding of a commit read by readCommitBlock: a view valid until the next call. */
export function unsignedBytes(bytes: Uint8Array, block: CommitBlock): Uint8Array {
  const { sigAt, sigEnd } = block
  const len = bytes.length - (sigEnd - sigAt)
  if (scratch.length < len) scratch = new Uint8Array(len * 2)
  const out = scratch
  out[0] = 0xa5
  out.set(bytes.subarray(1, sigAt), 1)
  out.set(bytes.subarray(sigEnd), sigAt)
  return out.subarray(0, len)
}

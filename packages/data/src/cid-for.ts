// CIDs computed from content.
import { encodeCbor } from './cbor-encode.js'
import { type CID, cidFromDigestString, DAG_CBOR, RAW } from './cid.js'
import type { DataValue } from './data-value.js'
import { digestEquals, sha256Latin1 } from './digest.js'

/** CID of an already-encoded DAG-CBOR block (the bytes are not re-validated). */
export function cidForCbor(encoded: Uint8Array): CID {
  return cidFromDigestString(DAG_CBOR, sha256Latin1(encoded))
}

/** CID of a blob or other raw bytes. */
export function cidForRaw(bytes: Uint8Array): CID {
  return cidFromDigestString(RAW, sha256Latin1(bytes))
}

export function cidForData(value: DataValue): CID {
  return cidForCbor(encodeCbor(value))
}

/** Encodes a value and returns the block with its CID, as stored in repositories. */
export function dataToBlock(value: DataValue): { cid: CID; bytes: Uint8Array } {
  const bytes = encodeCbor(value)
  return { cid: cidForCbor(bytes), bytes }
}

/** True when `bytes` hash to `cid` (same digest; the codec is not checked against the content). */
export function verifyBlock(cid: CID, bytes: Uint8Array): boolean {
  return digestEquals(sha256Latin1(bytes), cid.bytes, 4)
}

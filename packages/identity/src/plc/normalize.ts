// Turning any op into the identity state it sets. Legacy `create` ops are read the way the
// public directory reads them (did:plc spec, "deprecated legacy operation format"), so DIDs
// created in that format render the same document everywhere.
import { base32Encode } from '@welkin/data'
import type { LegacyCreateOp, PlcDocumentData, PlcOp, PlcOperation } from './types.js'

export const ATPROTO_PDS_TYPE = 'AtprotoPersonalDataServer'

/** `did:plc:` + the first 24 base32 characters of SHA-256(DAG-CBOR of the signed genesis op). */
export function didForGenesisDigest(digest: Uint8Array): string {
  // 15 bytes give exactly 24 base32 characters.
  return `did:plc:${base32Encode(digest.subarray(0, 15))}`
}

export function ensureHttpPrefix(s: string): string {
  return s.startsWith('http://') || s.startsWith('https://') ? s : `https://${s}`
}

export function ensureAtprotoPrefix(s: string): string {
  if (s.startsWith('at://')) return s
  // The reference removes the first occurrence of each scheme wherever it is; legacy handles
  // are read identically so their documents match.
  return `at://${s.replace('http://', '').replace('https://', '')}`
}

/** A legacy create op in the current operation format (same signature, same prev). */
export function normalizeOp(op: PlcOperation | LegacyCreateOp): PlcOperation {
  if (op.type === 'plc_operation') return op
  return {
    type: 'plc_operation',
    rotationKeys: [op.recoveryKey, op.signingKey],
    verificationMethods: { atproto: op.signingKey },
    alsoKnownAs: [ensureAtprotoPrefix(op.handle)],
    services: { atproto_pds: { type: ATPROTO_PDS_TYPE, endpoint: ensureHttpPrefix(op.service) } },
    prev: op.prev,
    sig: op.sig,
  }
}

/** The state after `op`, or null after a tombstone (the DID is deactivated). */
export function opToData(did: string, op: PlcOp): PlcDocumentData | null {
  if (op.type === 'plc_tombstone') return null
  const { rotationKeys, verificationMethods, alsoKnownAs, services } = normalizeOp(op)
  return { did, rotationKeys, verificationMethods, alsoKnownAs, services }
}

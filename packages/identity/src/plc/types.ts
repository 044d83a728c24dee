// The did:plc operation shapes (did:plc spec v0.3, "Operation Serialization, Signing, and
// Validation"). Field names and JSON shapes are those the public directory stores and serves.

export interface PlcService {
  type: string
  endpoint: string
}

/** The identity state an operation sets: everything a DID document is rendered from. */
export interface PlcDocumentData {
  did: string
  /** Priority order: index 0 has the most authority (it may nullify ops of later keys). */
  rotationKeys: string[]
  /** Key id (no '#') to did:key. */
  verificationMethods: Record<string, string>
  alsoKnownAs: string[]
  /** Service id (no '#') to `{type, endpoint}`. */
  services: Record<string, PlcService>
}

export interface UnsignedPlcOperation {
  type: 'plc_operation'
  rotationKeys: string[]
  verificationMethods: Record<string, string>
  alsoKnownAs: string[]
  services: Record<string, PlcService>
  /** CID (base32 string) of the op this one follows; null only in a genesis op. */
  prev: string | null
}

export interface PlcOperation extends UnsignedPlcOperation {
  sig: string
}

export interface UnsignedPlcTombstone {
  type: 'plc_tombstone'
  prev: string
}

export interface PlcTombstone extends UnsignedPlcTombstone {
  sig: string
}

/** The deprecated genesis format; still valid as the first op of old DIDs. */
export interface UnsignedLegacyCreateOp {
  type: 'create'
  signingKey: string
  recoveryKey: string
  handle: string
  service: string
  prev: null
}

export interface LegacyCreateOp extends UnsignedLegacyCreateOp {
  sig: string
}

export type PlcOp = PlcOperation | PlcTombstone | LegacyCreateOp
export type UnsignedPlcOp = UnsignedPlcOperation | UnsignedPlcTombstone | UnsignedLegacyCreateOp

/** An op as a directory keeps it: the audit log entry. */
export interface IndexedPlcOp {
  did: string
  operation: PlcOp
  cid: string
  nullified: boolean
  /** When the directory accepted it, `YYYY-MM-DDTHH:mm:ss.sssZ`. */
  createdAt: string
}

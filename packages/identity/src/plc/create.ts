// Building and signing operations (did:plc spec, "DID Creation", "DID Update", "DID
// Deactivation"): sign the DAG-CBOR of the op without `sig`, attach the compact low-S signature
// as unpadded base64url, and derive the DID from the signed genesis op.
import type { Keypair } from '@welkin/crypto'
import { cidForCbor, type DataValue, encodeCbor } from '@welkin/data'
import { IdentityError } from '../errors.js'
import { base64urlEncode } from './base64url.js'
import {
  ATPROTO_PDS_TYPE,
  didForGenesisDigest,
  ensureAtprotoPrefix,
  ensureHttpPrefix,
  normalizeOp,
} from './normalize.js'
import type {
  LegacyCreateOp,
  PlcOp,
  PlcOperation,
  PlcService,
  PlcTombstone,
  UnsignedLegacyCreateOp,
  UnsignedPlcOp,
  UnsignedPlcOperation,
} from './types.js'

/** The fields an update may change: everything but `type`, `prev` and `sig`. */
export type PlcOpFields = Pick<
  UnsignedPlcOperation,
  'rotationKeys' | 'verificationMethods' | 'alsoKnownAs' | 'services'
>

export interface GenesisOptions {
  rotationKeys: string[]
  /** The atproto signing key (did:key); merged into verificationMethods as `atproto`. */
  signingKey?: string
  verificationMethods?: Record<string, string>
  /** Bare handle; becomes the first `at://` alias. */
  handle?: string
  alsoKnownAs?: string[]
  /** PDS URL; becomes the `atproto_pds` service. */
  pds?: string
  services?: Record<string, PlcService>
}

function toData(v: unknown): DataValue {
  return v as DataValue
}

export async function signPlcOp<T extends UnsignedPlcOp>(
  unsigned: T,
  signer: Keypair,
): Promise<T & { sig: string }> {
  const sig = await signer.sign(encodeCbor(toData(unsigned)))
  return { ...unsigned, sig: base64urlEncode(sig) }
}

export function cidForOp(op: PlcOp): string {
  return cidForCbor(encodeCbor(toData(op))).toString()
}

/** The DID a signed genesis op (current or legacy format) creates. */
export function didForGenesisOp(op: PlcOperation | LegacyCreateOp): string {
  return didForGenesisDigest(cidForCbor(encodeCbor(toData(op))).digest)
}

function fieldsFromOptions(o: GenesisOptions): PlcOpFields {
  const verificationMethods = { ...o.verificationMethods }
  if (o.signingKey) verificationMethods.atproto = o.signingKey
  const alsoKnownAs = [...(o.handle ? [ensureAtprotoPrefix(o.handle)] : []), ...(o.alsoKnownAs ?? [])]
  const services = { ...o.services }
  if (o.pds) services.atproto_pds = { type: ATPROTO_PDS_TYPE, endpoint: ensureHttpPrefix(o.pds) }
  return { rotationKeys: [...o.rotationKeys], verificationMethods, alsoKnownAs, services }
}

/** A signed genesis op and the DID it creates; `signer` must hold one of `rotationKeys`. */
export async function createGenesisOp(
  opts: GenesisOptions,
  signer: Keypair,
): Promise<{ did: string; op: PlcOperation; cid: string }> {
  if (opts.rotationKeys.length === 0)
    throw new IdentityError('createGenesisOp: at least one rotation key is needed')
  const op = await signPlcOp({ type: 'plc_operation', ...fieldsFromOptions(opts), prev: null }, signer)
  return { did: didForGenesisOp(op), op, cid: cidForOp(op) }
}

/** An op following `last` whose fields are `change` applied to last's (legacy ops normalized). */
export async function createUpdateOp(
  last: PlcOp,
  signer: Keypair,
  change: (current: PlcOpFields) => PlcOpFields,
): Promise<PlcOperation> {
  if (last.type === 'plc_tombstone') throw new IdentityError('createUpdateOp: the DID is tombstoned')
  const { rotationKeys, verificationMethods, alsoKnownAs, services } = normalizeOp(last)
  const next = change({ rotationKeys, verificationMethods, alsoKnownAs, services })
  const unsigned: UnsignedPlcOperation = { type: 'plc_operation', ...next, prev: cidForOp(last) }
  return signPlcOp(unsigned, signer)
}

/** Replaces the first `at://` alias (or adds one in front). */
export function updateHandleOp(last: PlcOp, signer: Keypair, handle: string): Promise<PlcOperation> {
  const alias = ensureAtprotoPrefix(handle)
  return createUpdateOp(last, signer, (f) => {
    const i = f.alsoKnownAs.findIndex((a) => a.startsWith('at://'))
    const alsoKnownAs = i < 0 ? [alias, ...f.alsoKnownAs] : f.alsoKnownAs.map((a, j) => (j === i ? alias : a))
    return { ...f, alsoKnownAs }
  })
}

export function updatePdsOp(last: PlcOp, signer: Keypair, endpoint: string): Promise<PlcOperation> {
  return createUpdateOp(last, signer, (f) => ({
    ...f,
    services: {
      ...f.services,
      atproto_pds: { type: ATPROTO_PDS_TYPE, endpoint: ensureHttpPrefix(endpoint) },
    },
  }))
}

export function updateAtprotoKeyOp(last: PlcOp, signer: Keypair, signingKey: string): Promise<PlcOperation> {
  return createUpdateOp(last, signer, (f) => ({
    ...f,
    verificationMethods: { ...f.verificationMethods, atproto: signingKey },
  }))
}

export function updateRotationKeysOp(
  last: PlcOp,
  signer: Keypair,
  rotationKeys: string[],
): Promise<PlcOperation> {
  return createUpdateOp(last, signer, (f) => ({ ...f, rotationKeys: [...rotationKeys] }))
}

/** Deactivates the DID; `prev` is the CID of the op it follows. */
export function createTombstoneOp(prev: string, signer: Keypair): Promise<PlcTombstone> {
  return signPlcOp({ type: 'plc_tombstone', prev }, signer)
}

/** The deprecated genesis format, for tests and tools that must reproduce old DIDs. */
export async function createLegacyCreateOp(
  fields: Omit<UnsignedLegacyCreateOp, 'type' | 'prev'>,
  signer: Keypair,
): Promise<{ did: string; op: LegacyCreateOp }> {
  const op = await signPlcOp<UnsignedLegacyCreateOp>({ type: 'create', ...fields, prev: null }, signer)
  return { did: didForGenesisOp(op), op }
}

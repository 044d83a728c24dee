// Structural validation of untrusted operation JSON, and the encodings every later check needs
// (did:plc spec, "Operation Serialization, Signing, and Validation"). Parsing builds a fresh
// object with exactly the spec's fields, so what is stored is exactly what was checked.
import { CID, cidForCbor, type DataValue, encodeCbor } from '@welkin/data'
import { PlcOpError } from '../errors.js'
import { base64urlDecodeStrict } from './base64url.js'
import { assertVerificationKey, rotationPublicKey } from './keys.js'
import type { LegacyCreateOp, PlcOp, PlcOperation, PlcService, PlcTombstone } from './types.js'

/** did:plc spec: "The current limit is 7500 bytes" of DAG-CBOR per signed operation. */
export const MAX_OP_BYTES = 7500
export const MAX_ROTATION_KEYS = 5
/** did:plc spec v0.2 changelog: at most 10 verificationMethods. */
export const MAX_VERIFICATION_METHODS = 10
const SIG_BYTES = 64

const FIELDS: Record<PlcOp['type'], readonly string[]> = {
  plc_operation: ['type', 'rotationKeys', 'verificationMethods', 'alsoKnownAs', 'services', 'prev', 'sig'],
  plc_tombstone: ['type', 'prev', 'sig'],
  create: ['type', 'signingKey', 'recoveryKey', 'handle', 'service', 'prev', 'sig'],
}

/** A parsed op with the bytes and identifiers derived from it. */
export interface PreparedOp {
  op: PlcOp
  /** DAG-CBOR of the op without `sig`: the signed message. */
  unsignedBytes: Uint8Array
  /** DAG-CBOR of the whole op: hashed for the CID and, for a genesis op, the DID. */
  signedBytes: Uint8Array
  cid: string
  /** SHA-256 of `signedBytes` (the CID's digest); a genesis op's DID is its base32 prefix. */
  digest: Uint8Array
  /** The 64-byte compact signature. */
  sig: Uint8Array
}

function malformed(message: string): never {
  throw new PlcOpError('MalformedOperation', message)
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false
  const proto = Object.getPrototypeOf(v)
  return proto === Object.prototype || proto === null
}

function checkFields(obj: Record<string, unknown>, allowed: readonly string[], what: string): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) malformed(`${what} has an unknown field ${JSON.stringify(key.slice(0, 64))}`)
  }
  for (const key of allowed) {
    if (!Object.hasOwn(obj, key)) malformed(`${what} is missing the field "${key}"`)
  }
}

function str(v: unknown, where: string): string {
  if (typeof v !== 'string') malformed(`${where} must be a string`)
  return v
}

function strArray(v: unknown, where: string): string[] {
  if (!Array.isArray(v)) malformed(`${where} must be an array of strings`)
  return v.map((item, i) => str(item, `${where}[${i}]`))
}

function prevCid(v: unknown, nullable: boolean): string | null {
  if (v === null && nullable) return null
  const prev = str(v, nullable ? 'prev (string or null)' : 'prev')
  try {
    CID.parse(prev)
  } catch (err) {
    malformed(`prev is not a base32 CIDv1 string: ${(err as Error).message}`)
  }
  return prev
}

function parseVerificationMethods(v: unknown): Record<string, string> {
  if (!isPlainObject(v)) malformed('verificationMethods must be an object of key ids to did:keys')
  const entries = Object.entries(v)
  if (entries.length > MAX_VERIFICATION_METHODS) {
    malformed(
      `verificationMethods has ${entries.length} entries; at most ${MAX_VERIFICATION_METHODS} allowed`,
    )
  }
  return Object.fromEntries(entries.map(([id, key]) => [id, str(key, `verificationMethods.${id}`)]))
}

function parseServices(v: unknown): Record<string, PlcService> {
  if (!isPlainObject(v)) malformed('services must be an object of service ids to {type, endpoint}')
  return Object.fromEntries(
    Object.entries(v).map(([id, svc]): [string, PlcService] => {
      const where = `services.${id}`
      if (!isPlainObject(svc)) malformed(`${where} must be an object {type, endpoint}`)
      checkFields(svc, ['type', 'endpoint'], where)
      return [id, { type: str(svc.type, `${where}.type`), endpoint: str(svc.endpoint, `${where}.endpoint`) }]
    }),
  )
}

function parseOperation(v: Record<string, unknown>): PlcOperation {
  const rotationKeys = strArray(v.rotationKeys, 'rotationKeys')
  if (rotationKeys.length < 1) malformed('rotationKeys must list at least one key')
  if (rotationKeys.length > MAX_ROTATION_KEYS) {
    malformed(`rotationKeys has ${rotationKeys.length} keys; at most ${MAX_ROTATION_KEYS} allowed`)
  }
  if (new Set(rotationKeys).size !== rotationKeys.length) malformed('rotationKeys lists the same key twice')
  return {
    type: 'plc_operation',
    rotationKeys,
    verificationMethods: parseVerificationMethods(v.verificationMethods),
    alsoKnownAs: strArray(v.alsoKnownAs, 'alsoKnownAs'),
    services: parseServices(v.services),
    prev: prevCid(v.prev, true),
    sig: str(v.sig, 'sig'),
  }
}

function parseLegacyCreate(v: Record<string, unknown>): LegacyCreateOp {
  if (v.prev !== null) malformed('a legacy "create" op must have prev: null')
  return {
    type: 'create',
    signingKey: str(v.signingKey, 'signingKey'),
    recoveryKey: str(v.recoveryKey, 'recoveryKey'),
    handle: str(v.handle, 'handle'),
    service: str(v.service, 'service'),
    prev: null,
    sig: str(v.sig, 'sig'),
  }
}

/** Checks shape and field types only (no keys, sizes or signatures); returns a clean copy. */
export function parsePlcOpShape(value: unknown): PlcOp {
  if (!isPlainObject(value)) malformed('an operation must be a JSON object')
  const type = value.type
  if (type !== 'plc_operation' && type !== 'plc_tombstone' && type !== 'create') {
    malformed(`unknown operation type ${JSON.stringify(String(type).slice(0, 64))}`)
  }
  checkFields(value, FIELDS[type], `a ${type} op`)
  if (type === 'plc_operation') return parseOperation(value)
  if (type === 'create') return parseLegacyCreate(value)
  const tombstone: PlcTombstone = {
    type,
    prev: prevCid(value.prev, false) as string,
    sig: str(value.sig, 'sig'),
  }
  return tombstone
}

function checkKeys(op: PlcOp): void {
  if (op.type === 'plc_operation') {
    for (const key of op.rotationKeys) rotationPublicKey(key)
    for (const [id, key] of Object.entries(op.verificationMethods)) assertVerificationKey(id, key)
  } else if (op.type === 'create') {
    rotationPublicKey(op.recoveryKey)
    rotationPublicKey(op.signingKey)
  }
}

/**
 * DAG-CBOR of the op with `sig` from the encoding without it. DAG-CBOR orders map keys by
 * length first, and 'sig' is shorter than every other field of every op type, so it is the
 * first entry: the signed encoding is the unsigned one with one more entry in front. Saves
 * encoding every submitted op twice. (Every op has fewer than 23 fields, so the map header is
 * one byte.)
 */
export function withSig(unsignedBytes: Uint8Array, sig: string): Uint8Array {
  const header = unsignedBytes[0]
  if (header <= 0xa0 || header >= 0xb7) throw new TypeError('withSig: expected a small non-empty CBOR map')
  const entry = encodeCbor({ sig }).subarray(1)
  const out = new Uint8Array(unsignedBytes.length + entry.length)
  out[0] = header + 1
  out.set(entry, 1)
  out.set(unsignedBytes.subarray(1), 1 + entry.length)
  return out
}

/** Decodes `sig`: canonical unpadded base64url of exactly 64 bytes (compact r||s, not DER). */
export function decodePlcSig(sig: string): Uint8Array {
  const bytes = base64urlDecodeStrict(sig)
  if (typeof bytes === 'string') throw new PlcOpError('InvalidSignature', `sig: ${bytes}`)
  if (bytes.length !== SIG_BYTES) {
    throw new PlcOpError(
      'InvalidSignature',
      `sig is ${bytes.length} bytes; expected a ${SIG_BYTES}-byte compact r||s signature (DER is not accepted)`,
    )
  }
  return bytes
}

/** Full syntactic validation plus the encodings: shape, keys, size, signature encoding, CID. */
export function preparePlcOp(value: unknown): PreparedOp {
  const op = parsePlcOpShape(value)
  const { sig: _omit, ...unsigned } = op
  const unsignedBytes = encodeCbor(unsigned as DataValue)
  const signedBytes = withSig(unsignedBytes, op.sig)
  if (signedBytes.length > MAX_OP_BYTES) {
    throw new PlcOpError(
      'OperationTooLarge',
      `operation is ${signedBytes.length} bytes of DAG-CBOR; the limit is ${MAX_OP_BYTES}`,
    )
  }
  checkKeys(op)
  const sig = decodePlcSig(op.sig)
  const cid = cidForCbor(signedBytes)
  return {
    op,
    unsignedBytes,
    signedBytes,
    cid: cid.toString(),
    digest: cid.digest,
    sig,
  }
}

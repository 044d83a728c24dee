// Op and signature mutations for tests: each breaks one rule of the did:plc spec (the field
// rules, and low-S compact r||s in canonical base64url). Not part of the public API.
import { base58btcEncode, type JwtAlg } from '@welkin/crypto'
import { CID } from '@welkin/data'
import { base64urlDecodeStrict, base64urlEncode } from './base64url.js'

/** An ed25519 did:key: valid syntax, not a curve that may sign operations. */
export const ED25519_KEY = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK'

const ORDER: Record<JwtAlg, bigint> = {
  ES256K: 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n,
  ES256: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
}

function toBig(bytes: Uint8Array): bigint {
  let n = 0n
  for (const b of bytes) n = (n << 8n) | BigInt(b)
  return n
}

function fromBig(n: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length)
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(n & 0xffn)
    n >>= 8n
  }
  return out
}

/** The same signature with s replaced by n - s: still valid ECDSA, but high-S. */
export function toHighS(jwtAlg: JwtAlg, sig: Uint8Array): Uint8Array {
  const s = toBig(sig.subarray(32))
  const out = sig.slice()
  out.set(fromBig(ORDER[jwtAlg] - s, 32), 32)
  return out
}

function derInt(bytes: Uint8Array): number[] {
  let i = 0
  while (i < bytes.length - 1 && bytes[i] === 0) i++
  const body = [...bytes.subarray(i)]
  if (body[0] & 0x80) body.unshift(0)
  return [0x02, body.length, ...body]
}

/** The same signature in ASN.1 DER (SEQUENCE of two INTEGERs). */
export function toDer(sig: Uint8Array): Uint8Array {
  const body = [...derInt(sig.subarray(0, 32)), ...derInt(sig.subarray(32))]
  return Uint8Array.from([0x30, body.length, ...body])
}

/** Ways to break one rule of an op before it is signed (or 'none'). */
export const FIELD_MUTATIONS = [
  'none',
  'dupRotationKeys',
  'sixRotationKeys',
  'noRotationKeys',
  'rotationKeysString',
  'badRotationKey',
  'signingKeyAsRotation',
  'manyVerificationMethods',
  'ed25519VerificationMethod',
  'verificationMethodNumber',
  'aliasNumber',
  'servicesArray',
  'serviceMissingEndpoint',
  'oversized',
  'extraField',
  'missingAlsoKnownAs',
  'typeChanged',
  'prevRandom',
  'prevNullOnUpdate',
  'base58Prev',
] as const
/** Ways to break the signature encoding after signing (or 'none'). */
export const SIG_MUTATIONS = [
  'none',
  'highS',
  'der',
  'padded',
  'truncated',
  'flipByte',
  'standardBase64',
  'empty',
] as const

export type FieldMutation = (typeof FIELD_MUTATIONS)[number]
export type SigMutation = (typeof SIG_MUTATIONS)[number]

/** Changes an unsigned op so that one rule is broken (or, for 'none', none). `keys` are did:keys to draw on. */
export function fieldMutation(
  unsigned: Record<string, unknown>,
  m: FieldMutation,
  keys: readonly string[],
): Record<string, unknown> {
  const u = { ...unsigned }
  if (u.type !== 'plc_operation') {
    if (m === 'extraField') u.extra = 'x'
    if (m === 'prevRandom') u.prev = CID.create(0x71, new Uint8Array(32).fill(7)).toString()
    if (m === 'base58Prev' && typeof u.prev === 'string')
      u.prev = `z${base58btcEncode(CID.parse(u.prev).bytes)}`
    if (m === 'typeChanged') u.type = 'plc_operation'
    return u
  }
  const rot = u.rotationKeys as string[]
  switch (m) {
    case 'dupRotationKeys':
      u.rotationKeys = [rot[0], ...rot]
      break
    case 'sixRotationKeys':
      u.rotationKeys = [...keys, ...keys].slice(0, 6)
      break
    case 'noRotationKeys':
      u.rotationKeys = []
      break
    case 'rotationKeysString':
      u.rotationKeys = rot[0]
      break
    case 'badRotationKey':
      u.rotationKeys = [...rot.slice(0, 4), 'did:key:zQ3shNotARealKeyAtAll']
      break
    case 'signingKeyAsRotation':
      u.rotationKeys = [ED25519_KEY]
      break
    case 'manyVerificationMethods':
      u.verificationMethods = Object.fromEntries(
        keys.flatMap((k, i) => [0, 1, 2].map((j) => [`k${i}${j}`, k])),
      )
      break
    case 'ed25519VerificationMethod':
      u.verificationMethods = { ...(u.verificationMethods as object), other: ED25519_KEY }
      break
    case 'verificationMethodNumber':
      u.verificationMethods = { atproto: 5 }
      break
    case 'aliasNumber':
      u.alsoKnownAs = [5]
      break
    case 'servicesArray':
      u.services = []
      break
    case 'serviceMissingEndpoint':
      u.services = { atproto_pds: { type: 'AtprotoPersonalDataServer' } }
      break
    case 'oversized':
      u.alsoKnownAs = [`at://${'a'.repeat(7600)}.test`]
      break
    case 'extraField':
      u.extra = 'x'
      break
    case 'missingAlsoKnownAs':
      delete u.alsoKnownAs
      break
    case 'typeChanged':
      u.type = 'plc_tombstone'
      break
    case 'prevRandom':
      u.prev = CID.create(0x71, new Uint8Array(32).fill(7)).toString()
      break
    case 'prevNullOnUpdate':
      u.prev = null
      break
    case 'base58Prev':
      if (typeof u.prev === 'string') u.prev = `z${base58btcEncode(CID.parse(u.prev).bytes)}`
      break
    case 'none':
      break
  }
  return u
}

/** Re-encodes a signed op's signature in one of the forms the spec forbids. */
export function sigMutation(
  op: Record<string, unknown>,
  m: SigMutation,
  alg: JwtAlg,
): Record<string, unknown> {
  const bytes = base64urlDecodeStrict(op.sig as string) as Uint8Array
  const set = (sig: string) => ({ ...op, sig })
  switch (m) {
    case 'highS':
      return set(base64urlEncode(toHighS(alg, bytes)))
    case 'der':
      return set(base64urlEncode(toDer(bytes)))
    case 'padded':
      return set(`${op.sig}==`)
    case 'truncated':
      return set(base64urlEncode(bytes.subarray(0, 63)))
    case 'flipByte': {
      const flipped = bytes.slice()
      flipped[17] ^= 0x40
      return set(base64urlEncode(flipped))
    }
    case 'standardBase64':
      return set(Buffer.from(bytes).toString('base64'))
    case 'empty':
      return set('')
    case 'none':
      return op
  }
}

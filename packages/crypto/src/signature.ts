// Compact (r || s) ECDSA signatures: the low-S rule atproto requires (cryptography spec,
// "ECDSA Signature Malleability"; BIP-62 for the idea), scalar range checks, and strict DER
// decoding for callers that opt into malleable signatures.
import { bigIntToBytes, bytesToBigInt, compareAt } from './bytes.js'
import type { Curve } from './curves.js'
import { InvalidSignatureError } from './errors.js'
import type { VerifyOptions } from './types.js'

export const COMPACT_SIGNATURE_LENGTH = 64

const ZERO32 = new Uint8Array(32)

/** S above floor(n/2). Assumes a 64-byte compact signature. */
export function isHighS(curve: Curve, sig: Uint8Array): boolean {
  return compareAt(sig, 32, curve.halfNBytes, 32) > 0
}

/** 0 < r < n and 0 < s < n. */
export function hasScalarsInRange(curve: Curve, sig: Uint8Array): boolean {
  return (
    compareAt(sig, 0, ZERO32, 32) > 0 &&
    compareAt(sig, 0, curve.nBytes, 32) < 0 &&
    compareAt(sig, 32, ZERO32, 32) > 0 &&
    compareAt(sig, 32, curve.nBytes, 32) < 0
  )
}

/** Returns the low-S twin of a compact signature (a copy; the input is never modified). */
export function normalizeLowS(curve: Curve, sig: Uint8Array): Uint8Array {
  if (sig.length !== COMPACT_SIGNATURE_LENGTH) {
    throw new InvalidSignatureError(`expected a ${COMPACT_SIGNATURE_LENGTH}-byte compact signature`)
  }
  const out = sig.slice()
  if (isHighS(curve, sig)) {
    const s = bytesToBigInt(sig.subarray(32))
    if (s >= curve.n) throw new InvalidSignatureError('signature S is not below the group order')
    out.set(bigIntToBytes(curve.n - s, 32), 32)
  }
  return out
}

function readDerInteger(der: Uint8Array, offset: number): { value: Uint8Array; next: number } {
  if (der[offset] !== 0x02) throw new InvalidSignatureError(`DER: expected INTEGER at offset ${offset}`)
  const len = der[offset + 1]
  // Single-byte lengths only: a P-256/secp256k1 scalar is at most 33 bytes with its sign byte.
  if (len === undefined || len === 0 || len > 33) throw new InvalidSignatureError('DER: bad INTEGER length')
  const start = offset + 2
  const end = start + len
  if (end > der.length) throw new InvalidSignatureError('DER: INTEGER runs past the end')
  const body = der.subarray(start, end)
  if (body[0] & 0x80) throw new InvalidSignatureError('DER: negative INTEGER')
  if (len > 1 && body[0] === 0 && !(body[1] & 0x80))
    throw new InvalidSignatureError('DER: non-minimal INTEGER')
  const value = body[0] === 0 ? body.subarray(1) : body
  if (value.length > 32) throw new InvalidSignatureError('DER: INTEGER wider than 32 bytes')
  return { value, next: end }
}

/** Strict DER `SEQUENCE { INTEGER r, INTEGER s }` to 64-byte compact form. */
export function derToCompact(der: Uint8Array): Uint8Array {
  if (!(der instanceof Uint8Array) || der.length < 8 || der.length > 72) {
    throw new InvalidSignatureError('DER: length out of range for an ECDSA signature')
  }
  if (der[0] !== 0x30 || der[1] !== der.length - 2)
    throw new InvalidSignatureError('DER: bad SEQUENCE header')
  const r = readDerInteger(der, 2)
  const s = readDerInteger(der, r.next)
  if (s.next !== der.length) throw new InvalidSignatureError('DER: trailing bytes')
  const out = new Uint8Array(COMPACT_SIGNATURE_LENGTH)
  out.set(r.value, 32 - r.value.length)
  out.set(s.value, 64 - s.value.length)
  return out
}

/**
 * The signature a backend should check, or null when atproto rules reject it outright: only
 * compact low-S signatures with in-range scalars, unless malleable forms are explicitly allowed,
 * in which case DER is decoded and S is normalized so backends see one canonical form.
 */
export function canonicalSignature(curve: Curve, sig: Uint8Array, opts?: VerifyOptions): Uint8Array | null {
  if (!(sig instanceof Uint8Array)) return null
  let compact = sig
  if (sig.length !== COMPACT_SIGNATURE_LENGTH) {
    if (!opts?.allowMalleableSig) return null
    try {
      compact = derToCompact(sig)
    } catch {
      return null
    }
  }
  if (!hasScalarsInRange(curve, compact)) return null
  if (!isHighS(curve, compact)) return compact
  return opts?.allowMalleableSig ? normalizeLowS(curve, compact) : null
}

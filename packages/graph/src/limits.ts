// Size limits on untrusted input. Lengths count UTF-16 code units (JavaScript string length).

export interface GraphLimits {
  /** Longest soul id (default 512). */
  maxSoulLength: number
  /** Longest property name (default 512). */
  maxPropLength: number
  /** Longest string value (default 65,536). */
  maxStringLength: number
}

export const DEFAULT_LIMITS: Readonly<GraphLimits> = Object.freeze({
  maxSoulLength: 512,
  maxPropLength: 512,
  maxStringLength: 65_536,
})

interface WellFormed {
  isWellFormed?: () => boolean
}

const LONE_SURROGATE = /\p{Cs}/u
const nativeWellFormed = typeof (String.prototype as WellFormed).isWellFormed === 'function'

/**
 * True when `s` has no unpaired surrogate. Such strings have no UTF-8 form, so their CBOR
 * encoding (signatures, hashes, the wire) would silently differ from the string in memory.
 */
export function isWellFormed(s: string): boolean {
  return nativeWellFormed ? (s as unknown as Required<WellFormed>).isWellFormed() : !LONE_SURROGATE.test(s)
}

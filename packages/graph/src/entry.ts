// The unit of replication: one property of one soul, its value, its HLC state and, in user
// space, the owner's signature. `Update` is what arrives (wire or API); `GraphEntry` is what
// the graph stores and emits after validation.
import type { Value } from './value.js'

export interface Update {
  readonly soul: string
  readonly prop: string
  readonly value: Value
  readonly state: number
  /** 64-byte compact ECDSA signature by the soul's did:key (user space only). */
  readonly sig?: Uint8Array | null
  /** The signing did:key; when present it must equal the user-space soul's owner. */
  readonly signer?: string
}

/** Treat as immutable: the graph hands out the instances it stores. */
export class GraphEntry implements Update {
  constructor(
    readonly soul: string,
    readonly prop: string,
    readonly value: Value,
    readonly state: number,
    readonly sig: Uint8Array | null,
  ) {}
}

export interface EntryKey {
  readonly soul: string
  readonly prop: string
}

/** Canonical order of entries: by soul, then prop, each by Unicode code point. */
export function compareKeys(a: EntryKey, b: EntryKey): number {
  return a.soul === b.soul ? compareStrings(a.prop, b.prop) : compareStrings(a.soul, b.soul)
}

/**
 * Code point order, which is also the byte order of UTF-8 (what SQLite, Rust and most stores
 * sort by). JavaScript's `<` compares UTF-16 units and puts U+10000 and above before U+E000.
 */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x === y) continue
    if (x >= 0xd800 && y >= 0xd800) {
      const xs = x <= 0xdfff
      if (xs !== y <= 0xdfff) return xs ? 1 : -1
    }
    return x < y ? -1 : 1
  }
  return a.length - b.length
}

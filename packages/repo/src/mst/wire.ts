// MST nodes read as bytes directly (wire-write.ts writes them). A node has one fixed DAG-CBOR
// shape (repository.md "MST Structure"), in canonical key order:
//   {e: [{k: bytes, p: uint, t: CID|null, v: CID}, ...], l: CID|null}
// so the generic codec's work — building maps, sorting keys, dispatching on types — is spent
// on nothing. Firehose verification reads a dozen nodes per commit.
//
// The scanner accepts only the exact canonical bytes of a node that passes every check of the
// generic path (codec.ts); on anything else it says so and the caller runs the generic path,
// which produces the error. wire.test.ts checks this against the generic codec.
import { type CID, cidView, DAG_CBOR, DEFAULT_CBOR_LIMITS, RAW, SHA2_256 } from '@welkin/data'
import { isKeyByte, leadingZerosOnHash, MAX_MST_KEY_LENGTH } from './key.js'
import { type Entry, MstNode } from './node.js'

// A link is tag 42 (d8 2a) over a 37-byte string (58 25): the 0x00 multibase prefix, then the
// 36-byte binary CID.
export const LINK_BYTES = 41

export interface ParsedNode {
  layer: number
  left: MstNode | null
  entries: Entry[]
}

/** True when `b[pos]` starts a canonical link to a blessed CID. */
function isLink(b: Uint8Array, pos: number, end: number): boolean {
  if (end - pos < LINK_BYTES) return false
  if (b[pos] !== 0xd8 || b[pos + 1] !== 0x2a || b[pos + 2] !== 0x58 || b[pos + 3] !== 0x25) return false
  // The binary CID (data-model spec "Link and CID Formats"): v1, dag-cbor or raw, sha2-256/32.
  const code = b[pos + 6]
  return (
    b[pos + 4] === 0 &&
    b[pos + 5] === 1 &&
    (code === DAG_CBOR || code === RAW) &&
    b[pos + 7] === SHA2_256 &&
    b[pos + 8] === 32
  )
}

/**
 * The unsigned argument of the head at `b[pos]` if it has major type `major`, minimal form and
 * a value below 2^16 (enough for any count, length or prefix a valid node holds), packed as
 * `value * 4 + head length`; otherwise -1.
 */
function head(b: Uint8Array, pos: number, end: number, major: number): number {
  if (pos >= end) return -1
  const ib = b[pos]
  if (ib >> 5 !== major) return -1
  const info = ib & 31
  if (info < 24) return info * 4 + 1
  if (info === 24) {
    if (pos + 2 > end || b[pos + 1] < 24) return -1
    return b[pos + 1] * 4 + 2
  }
  if (info === 25) {
    if (pos + 3 > end) return -1
    const v = (b[pos + 1] << 8) | b[pos + 2]
    return v < 0x100 ? -1 : v * 4 + 3
  }
  return -1
}

// The key being checked for its layer; the prefix it shares with the previous key is in place.
const keyBytes = new Uint8Array(MAX_MST_KEY_LENGTH)

// Per byte: 0 not allowed in a key, 1 allowed, 2 the '/' separator.
const KEY_CLASS = new Uint8Array(256)
for (let c = 0; c < 128; c++) if (isKeyByte(c)) KEY_CLASS[c] = c === 0x2f ? 2 : 1

const fcc = String.fromCharCode
const applyCodes: number[][] = []

/**
 * `b[s, s + n)` (checked ASCII) as a string. Suffixes are mostly a TID's last 7-10 characters:
 * a call with the characters as arguments is about twice as fast as apply over an array.
 */
function ascii(b: Uint8Array, s: number, n: number): string {
  switch (n) {
    case 7:
      return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6])
    case 8:
      return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7])
    case 9:
      return fcc(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7], b[s + 8])
    case 10:
      return fcc(
        b[s],
        b[s + 1],
        b[s + 2],
        b[s + 3],
        b[s + 4],
        b[s + 5],
        b[s + 6],
        b[s + 7],
        b[s + 8],
        b[s + 9],
      )
  }
  let codes = applyCodes[n]
  if (codes === undefined) {
    codes = new Array<number>(n).fill(0)
    applyCodes[n] = codes
  }
  for (let j = 0; j < n; j++) codes[j] = b[s + j]
  return fcc.apply(null, codes)
}

/** Byte `at` of the key of entry `e` (already scanned), found in the suffix that holds it. */
function keyByte(b: Uint8Array, offsets: number[], e: number, at: number): number {
  while (offsets[5 * e + 3] > at) e--
  return b[offsets[5 * e + 1] + at - offsets[5 * e + 3]]
}

/** Whether the `n` (1 or 2) key bytes from `at` of entry `i` (suffix at `ks`, prefix `p`) are all dots. */
function dots(
  b: Uint8Array,
  offsets: number[],
  i: number,
  ks: number,
  p: number,
  at: number,
  n: number,
): boolean {
  for (let k = at; k < at + n; k++) {
    const c = k >= p ? b[ks + k - p] : keyByte(b, offsets, i - 1, k)
    if (c !== 0x2e) return false
  }
  return true
}

/**
 * Where the parts of the last node scanned are: for entry i, `scanned.offsets[5i ..]` holds the
 * offsets of its map head, of its key suffix, the suffix length, the prefix length, and of the
 * value of its `t` (f6, or a link; `v` follows it). `lAt` is the offset of the value of `l`.
 */
export const scanned = { layer: 0, lAt: 0, offsets: [] as number[] }
const sharedOffsets: number[] = []

/**
 * Checks a node's bytes as decodeNodeGeneric would and records where its parts are (in
 * `scanned`); returns the number of entries, or -1 for "not proven valid here" (anything
 * unusual, or invalid), never "invalid". `layer` is the node's layer, or -1 for a root, whose
 * layer is its first key's.
 */
export function scanNode(
  b: Uint8Array,
  layer: number,
  checkLayers: boolean,
  maxEntries: number,
  /** Record the offsets in an array of their own (to keep), not the shared one. */
  keep = false,
): number {
  const end = b.length
  if (end > DEFAULT_CBOR_LIMITS.maxBytes || end < 5) return -1
  // {e: ..., l: ...}: a map of two, then the text key "e".
  if (b[0] !== 0xa2 || b[1] !== 0x61 || b[2] !== 0x65) return -1
  const nh = head(b, 3, end, 4)
  if (nh < 0) return -1
  const n = nh >> 2
  if (n > maxEntries || n > DEFAULT_CBOR_LIMITS.maxItems) return -1
  const offsets = keep ? new Array<number>(5 * n) : sharedOffsets
  let pos = 3 + (nh & 3)
  let prevLen = 0
  let prevSlash = -1
  for (let i = 0; i < n; i++) {
    const at = pos
    // {k, p, t, v}: a map of four, then the text key "k".
    if (end - pos < 4 || b[pos] !== 0xa4 || b[pos + 1] !== 0x61 || b[pos + 2] !== 0x6b) return -1
    const kh = head(b, pos + 3, end, 2)
    if (kh < 0) return -1
    const klen = kh >> 2
    const ks = pos + 3 + (kh & 3)
    if (klen > end - ks) return -1
    pos = ks + klen
    if (end - pos < 3 || b[pos] !== 0x61 || b[pos + 1] !== 0x70) return -1
    const ph = head(b, pos + 2, end, 0)
    if (ph < 0) return -1
    const p = ph >> 2
    pos += 2 + (ph & 3)
    const len = p + klen
    if (p > prevLen || len === 0 || len > MAX_MST_KEY_LENGTH) return -1
    // Keys ascend, and `p` is the whole prefix shared with the previous key: so the suffix's
    // first byte exists (unless this is the first key) and is above the previous key's byte.
    if (i > 0 && (klen === 0 || (p < prevLen && b[ks] <= keyByte(b, offsets, i - 1, p)))) return -1
    // repository.md "Repository Paths": allowed bytes, exactly one '/' with a segment on
    // either side, and neither segment '.' or '..'. The prefix was checked with the last key,
    // so only the suffix's bytes are looked at, and the segments only when short.
    let slash = prevSlash < p ? prevSlash : -1
    for (let j = 0; j < klen; j++) {
      const cls = KEY_CLASS[b[ks + j]]
      if (cls !== 1) {
        if (cls === 0 || slash !== -1) return -1
        slash = p + j
      }
    }
    if (slash <= 0 || slash === len - 1) return -1
    if (slash <= 2 && p <= slash && dots(b, offsets, i, ks, p, 0, slash)) return -1
    if (len - slash <= 3 && dots(b, offsets, i, ks, p, slash + 1, len - slash - 1)) return -1
    if (checkLayers) {
      // The whole key, for its hash: the prefix is still there from the previous key.
      for (let j = 0; j < klen; j++) keyBytes[p + j] = b[ks + j]
      const keyLayer = leadingZerosOnHash(keyBytes.subarray(0, len))
      if (i === 0 && layer < 0) layer = keyLayer
      else if (keyLayer !== layer) return -1
    } else if (i === 0 && layer < 0) layer = leadingZerosOnHash(b.subarray(ks, ks + klen))
    if (end - pos < 3 || b[pos] !== 0x61 || b[pos + 1] !== 0x74) return -1
    pos += 2
    const tAt = pos
    if (b[pos] === 0xf6) pos += 1
    else {
      // repository.md "CID Formats": links between nodes are dag-cbor CIDv1.
      if (layer === 0 || !isLink(b, pos, end) || b[pos + 6] !== DAG_CBOR) return -1
      pos += LINK_BYTES
    }
    if (end - pos < 2 || b[pos] !== 0x61 || b[pos + 1] !== 0x76 || !isLink(b, pos + 2, end)) return -1
    pos += 2 + LINK_BYTES
    const o = 5 * i
    offsets[o] = at
    offsets[o + 1] = ks
    offsets[o + 2] = klen
    offsets[o + 3] = p
    offsets[o + 4] = tAt
    prevLen = len
    prevSlash = slash
  }
  if (layer < 0) layer = 0
  if (end - pos < 3 || b[pos] !== 0x61 || b[pos + 1] !== 0x6c) return -1
  pos += 2
  const lAt = pos
  if (b[pos] === 0xf6) pos += 1
  else {
    if (layer === 0 || !isLink(b, pos, end) || b[pos + 6] !== DAG_CBOR) return -1
    pos += LINK_BYTES
  }
  if (pos !== end) return -1
  scanned.layer = layer
  scanned.lAt = lAt
  scanned.offsets = offsets
  return n
}

/** The CID of the link whose value starts at `b[at]` (checked by scanNode), or null for f6. */
export function linkCid(b: Uint8Array, at: number): CID | null {
  return b[at] === 0xf6 ? null : cidView(b, at + 5)
}

/** Offset of the value of `v` of the entry whose `t` value starts at `tAt`. */
export function valueAt(b: Uint8Array, tAt: number): number {
  return tAt + (b[tAt] === 0xf6 ? 1 : LINK_BYTES) + 2
}

/**
 * Parses a node's bytes into entries, checking what decodeNodeGeneric checks; null means "not
 * proven valid here" (see scanNode), never "invalid".
 */
export function parseNode(
  b: Uint8Array,
  layer: number,
  checkLayers: boolean,
  maxEntries: number,
): ParsedNode | null {
  const n = scanNode(b, layer, checkLayers, maxEntries)
  if (n < 0) return null
  const offsets = scanned.offsets
  const nodeLayer = scanned.layer
  const entries: Entry[] = new Array(n)
  let prev = ''
  for (let i = 0; i < n; i++) {
    const o = 5 * i
    const at = offsets[o]
    const p = offsets[o + 3]
    const tAt = offsets[o + 4]
    // A prefix slice joined to the suffix: V8 flattens it once, natively, on first comparison.
    const suffix = ascii(b, offsets[o + 1], offsets[o + 2])
    const key = p === 0 ? suffix : prev.slice(0, p) + suffix
    const t = linkCid(b, tAt)
    const vAt = valueAt(b, tAt)
    const value = cidView(b, vAt + 5)!
    const right = t === null ? null : MstNode.stub(t, nodeLayer - 1)
    entries[i] = { key, value, right, src: b, at, end: vAt + LINK_BYTES, base: prev }
    prev = key
  }
  const l = linkCid(b, scanned.lAt)
  return { layer: nodeLayer, left: l === null ? null : MstNode.stub(l, nodeLayer - 1), entries }
}

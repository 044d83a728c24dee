// MST nodes written as bytes directly: what encodeCbor would write for the node's
// {e: [{k, p, t, v}, ...], l} map, byte for byte (wire.test.ts checks it against the generic
// encoder), with no intermediate objects. Entries read from bytes that still follow the same key
// are copied over as they were (node.ts, Entry.src).
import { CID } from '@welkin/data'
import type { MstNode } from './node.js'
import { LINK_BYTES } from './wire.js'

// One scratch buffer for every node written; callers copy out or hash in place.
let scratch = new Uint8Array(16 * 1024)

/** Minimal-form head of `major` with argument `n` (any safe integer) at `b[pos]`; returns the end. */
function writeHead(b: Uint8Array, pos: number, major: number, n: number): number {
  const m = major << 5
  if (n < 24) {
    b[pos] = m | n
    return pos + 1
  }
  if (n < 0x100) {
    b[pos] = m | 24
    b[pos + 1] = n
    return pos + 2
  }
  if (n < 0x10000) {
    b[pos] = m | 25
    b[pos + 1] = n >> 8
    b[pos + 2] = n & 0xff
    return pos + 3
  }
  if (n < 0x100000000) {
    b[pos] = m | 26
    b[pos + 1] = n >>> 24
    b[pos + 2] = (n >> 16) & 0xff
    b[pos + 3] = (n >> 8) & 0xff
    b[pos + 4] = n & 0xff
    return pos + 5
  }
  b[pos] = m | 27
  const hi = Math.floor(n / 0x100000000)
  const lo = n >>> 0
  for (let i = 0; i < 4; i++) {
    b[pos + 1 + i] = (hi >>> (24 - 8 * i)) & 0xff
    b[pos + 5 + i] = (lo >>> (24 - 8 * i)) & 0xff
  }
  return pos + 9
}

function writeLink(b: Uint8Array, pos: number, cid: CID): number {
  b[pos] = 0xd8
  b[pos + 1] = 0x2a
  b[pos + 2] = 0x58
  b[pos + 3] = 0x25
  b[pos + 4] = 0
  b.set(cid.bytes, pos + 5)
  return pos + LINK_BYTES
}

/**
 * Writes `node` (loaded, its subtrees' CIDs already known) into a shared scratch buffer and
 * returns a view of the bytes, valid until the next call; or null when the node holds something
 * only the generic encoder handles (a CID object of another library, a non-ASCII key).
 */
export function writeNode(node: MstNode): Uint8Array | null {
  const entries = node.entries!
  const n = entries.length
  // Per entry at most: map and key heads 3, k head 3, p 2 + head 3, t 2 + link, v 2 + link.
  let bound = 3 + 9 + 2 + LINK_BYTES
  for (let i = 0; i < n; i++) bound += 15 + 2 * LINK_BYTES + entries[i].key.length
  if (scratch.length < bound) scratch = new Uint8Array(Math.max(bound, scratch.length * 2))
  const b = scratch
  b[0] = 0xa2
  b[1] = 0x61
  b[2] = 0x65
  let pos = writeHead(b, 3, 4, n)
  let prev = ''
  // A run of entries to copy verbatim from one source: src[runAt, runEnd).
  let runSrc: Uint8Array | undefined
  let runAt = 0
  let runEnd = 0
  for (let i = 0; i < n; i++) {
    const entry = entries[i]
    const key = entry.key
    const src = entry.src
    if (src !== undefined && entry.base === prev) {
      if (src === runSrc && entry.at === runEnd) runEnd = entry.end!
      else {
        if (runSrc !== undefined) {
          b.set(runSrc.subarray(runAt, runEnd), pos)
          pos += runEnd - runAt
        }
        runSrc = src
        runAt = entry.at!
        runEnd = entry.end!
      }
      prev = key
      continue
    }
    if (runSrc !== undefined) {
      b.set(runSrc.subarray(runAt, runEnd), pos)
      pos += runEnd - runAt
      runSrc = undefined
    }
    const len = key.length
    const shared = Math.min(prev.length, len)
    let p = 0
    while (p < shared && prev.charCodeAt(p) === key.charCodeAt(p)) p++
    b[pos] = 0xa4
    b[pos + 1] = 0x61
    b[pos + 2] = 0x6b
    pos = writeHead(b, pos + 3, 2, len - p)
    for (let j = p; j < len; j++) {
      const c = key.charCodeAt(j)
      if (c >= 0x80) return null
      b[pos++] = c
    }
    b[pos] = 0x61
    b[pos + 1] = 0x70
    pos = writeHead(b, pos + 2, 0, p)
    b[pos] = 0x61
    b[pos + 1] = 0x74
    pos += 2
    const right = entry.right
    if (right === null) b[pos++] = 0xf6
    else if (right.cid instanceof CID) pos = writeLink(b, pos, right.cid)
    else return null
    b[pos] = 0x61
    b[pos + 1] = 0x76
    if (!(entry.value instanceof CID)) return null
    pos = writeLink(b, pos + 2, entry.value)
    prev = key
  }
  if (runSrc !== undefined) {
    b.set(runSrc.subarray(runAt, runEnd), pos)
    pos += runEnd - runAt
  }
  b[pos] = 0x61
  b[pos + 1] = 0x6c
  pos += 2
  const left = node.left
  if (left === null) b[pos++] = 0xf6
  else if (left.cid instanceof CID) pos = writeLink(b, pos, left.cid)
  else return null
  return b.subarray(0, pos)
}

// The Merkle structure anti-entropy compares: a 16-ary trie over the SHA-256 of each entry's
// key [soul, prop], holding the entry's hash (@welkin/graph `entryHash`). A node's
// fingerprint is a function of the entries under its prefix alone, whatever the shape each
// replica's trie happens to have:
//   no entries            -> 16 zero bytes
//   1..LEAF_MAX entries   -> sha256(0x00 || entry hashes in key order)[0..16]
//   more                  -> sha256(0x01 || fingerprints of the 16 children)[0..16]
// so two replicas descend only into prefixes whose entries differ: with hashed keys spread
// evenly, repairing d differences among n entries costs about d * log16(n) fingerprints.
// Entries are never removed (a CRDT never forgets a property), so counts only grow.
import { sha256 } from '@welkin/crypto'
import { encodeCbor } from '@welkin/data'
import { entryHash, type GraphEntry } from '@welkin/graph'
import { SyncError } from '../errors.js'

export const FANOUT = 16
/** Nibbles in a 32-byte key hash: prefixes are at most this long. */
export const MAX_DEPTH = 64
export const FP_BYTES = 16
/** Largest node fingerprinted from its entries; larger ones hash their children. */
export const LEAF_MAX = 16
export const EMPTY_FP = new Uint8Array(FP_BYTES)

export interface SyncItem {
  /** Key hash (bytes 0-31) then entry hash (32-63): one array per entry keeps memory down. */
  readonly kh: Uint8Array
  readonly soul: string
  readonly prop: string
}

export interface Summary {
  readonly count: number
  readonly fp: Uint8Array
}

interface TrieNode {
  count: number
  /** Cached fingerprint; null when an entry below changed. */
  fp: Uint8Array | null
  /** Entries sorted by key, while the node is a leaf. */
  items: SyncItem[] | null
  children: (TrieNode | undefined)[] | null
}

const newNode = (): TrieNode => ({ count: 0, fp: null, items: [], children: null })

/** The trie key of an entry: sha256 of the DAG-CBOR array [soul, prop]. */
export function keyHash(soul: string, prop: string): Uint8Array {
  return sha256(encodeCbor([soul, prop]))
}

export function nibbleAt(key: Uint8Array, depth: number): number {
  const b = key[depth >> 1]
  return depth & 1 ? b & 15 : b >> 4
}

/** Compares the 32-byte keys at the start of two arrays. */
function compareKeys(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < 32; i++) if (a[i] !== b[i]) return a[i] - b[i]
  return 0
}

/** True when the item's entry hash is `hash`. */
export function hashEquals(item: SyncItem, hash: Uint8Array): boolean {
  for (let i = 0; i < 32; i++) if (item.kh[32 + i] !== hash[i]) return false
  return true
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

function hasPrefix(key: Uint8Array, prefix: Uint8Array, from: number): boolean {
  for (let d = from; d < prefix.length; d++) if (nibbleAt(key, d) !== prefix[d]) return false
  return true
}

function leafFp(items: readonly SyncItem[]): Uint8Array {
  if (items.length === 0) return EMPTY_FP
  const buf = new Uint8Array(1 + 32 * items.length)
  for (let i = 0; i < items.length; i++) buf.set(items[i].kh.subarray(32, 64), 1 + 32 * i)
  return sha256(buf).subarray(0, FP_BYTES)
}

/** Validates an untrusted prefix: nibbles 0-15, at most MAX_DEPTH of them. */
export function checkPrefix(prefix: unknown): Uint8Array {
  if (!(prefix instanceof Uint8Array) || prefix.length > MAX_DEPTH)
    throw new SyncError('protocol', `prefix must be at most ${MAX_DEPTH} nibbles`)
  for (const n of prefix) if (n >= FANOUT) throw new SyncError('protocol', `prefix nibble ${n} out of range`)
  return prefix
}

export function childPrefix(prefix: Uint8Array, nibble: number): Uint8Array {
  const out = new Uint8Array(prefix.length + 1)
  out.set(prefix)
  out[prefix.length] = nibble
  return out
}

export class SyncTrie {
  private readonly root: TrieNode = newNode()

  get size(): number {
    return this.root.count
  }

  /** Records an entry's current hash. Returns false when it was already recorded. */
  add(e: GraphEntry): boolean {
    return this.upsert(e.soul, e.prop, entryHash(e))
  }

  upsert(soul: string, prop: string, hash: Uint8Array): boolean {
    const key = keyHash(soul, prop)
    const path: TrieNode[] = []
    let node = this.root
    let depth = 0
    while (node.children !== null) {
      path.push(node)
      const n = nibbleAt(key, depth++)
      node.children[n] ??= newNode()
      node = node.children[n]
    }
    const items = node.items!
    let lo = 0
    let hi = items.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (compareKeys(items[mid].kh, key) < 0) lo = mid + 1
      else hi = mid
    }
    if (lo < items.length && compareKeys(items[lo].kh, key) === 0) {
      if (hashEquals(items[lo], hash)) return false
      items[lo].kh.set(hash, 32)
    } else {
      const kh = new Uint8Array(64)
      kh.set(key)
      kh.set(hash, 32)
      items.splice(lo, 0, { kh, soul, prop })
      node.count++
      for (const p of path) p.count++
    }
    node.fp = null
    for (const p of path) p.fp = null
    if (node.count > LEAF_MAX && depth < MAX_DEPTH) split(node, depth)
    return true
  }

  /** Count and fingerprint of the entries under `prefix`. */
  summary(prefix: Uint8Array): Summary {
    const at = this.locate(prefix)
    if (at.node !== undefined) return { count: at.node.count, fp: fingerprint(at.node) }
    return { count: at.items.length, fp: leafFp(at.items) }
  }

  /** Summaries of the 16 children of `prefix`. */
  children(prefix: Uint8Array): Summary[] {
    if (prefix.length >= MAX_DEPTH) throw new SyncError('protocol', 'a full-length prefix has no children')
    const at = this.locate(prefix)
    const depth = prefix.length
    if (at.node?.children) {
      return at.node.children.map((c) =>
        c === undefined ? { count: 0, fp: EMPTY_FP } : { count: c.count, fp: fingerprint(c) },
      )
    }
    const parts: SyncItem[][] = Array.from({ length: FANOUT }, () => [])
    for (const it of at.node?.items ?? at.items) parts[nibbleAt(it.kh, depth)].push(it)
    return parts.map((p) => ({ count: p.length, fp: leafFp(p) }))
  }

  /** The entries under `prefix` in key order, at most `limit` of them. */
  items(prefix: Uint8Array, limit = Number.POSITIVE_INFINITY): SyncItem[] {
    const at = this.locate(prefix)
    if (at.node === undefined) return at.items.slice(0, limit)
    const out: SyncItem[] = []
    const walk = (n: TrieNode): void => {
      if (out.length >= limit) return
      if (n.items !== null) for (const it of n.items) if (out.length < limit) out.push(it)
      if (n.children !== null) for (const c of n.children) if (c !== undefined) walk(c)
    }
    walk(at.node)
    return out
  }

  /** The node at `prefix`, or the entries of the leaf that holds the prefix's range. */
  private locate(prefix: Uint8Array): { node?: TrieNode; items: SyncItem[] } {
    let node = this.root
    for (let d = 0; d < prefix.length; d++) {
      if (node.children === null) return { items: node.items!.filter((it) => hasPrefix(it.kh, prefix, d)) }
      const next = node.children[prefix[d]]
      if (next === undefined) return { items: [] }
      node = next
    }
    return { node, items: [] }
  }
}

function split(node: TrieNode, depth: number): void {
  const children: (TrieNode | undefined)[] = new Array(FANOUT).fill(undefined)
  for (const it of node.items!) {
    const n = nibbleAt(it.kh, depth)
    children[n] ??= newNode()
    const c = children[n]
    c.items!.push(it)
    c.count++
  }
  node.items = null
  node.children = children
  for (const c of children)
    if (c !== undefined && c.count > LEAF_MAX && depth + 1 < MAX_DEPTH) split(c, depth + 1)
}

function fingerprint(node: TrieNode): Uint8Array {
  if (node.fp !== null) return node.fp
  let fp: Uint8Array
  if (node.count === 0) fp = EMPTY_FP
  else if (node.children === null) fp = leafFp(node.items!)
  else {
    const buf = new Uint8Array(1 + FP_BYTES * FANOUT)
    buf[0] = 1
    node.children.forEach((c, i) => {
      if (c !== undefined) buf.set(fingerprint(c), 1 + FP_BYTES * i)
    })
    fp = sha256(buf).subarray(0, FP_BYTES)
  }
  node.fp = fp
  return fp
}

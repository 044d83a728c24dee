// MST node wire format (repository.md "MST Structure"):
//   {l: CID|null, e: [{p: prefixLen, k: suffixBytes, v: CID, t: CID|null}]}
// Keys are prefix-compressed against the previous entry of the same node only.
import { CID, cidForCbor, DAG_CBOR, type DataValue, decodeCbor, encodeCbor } from '@welkin/data'
import { InvalidMstError } from '../errors.js'
import { isKeyByte, leadingZerosOnHash, MAX_MST_KEY_LENGTH, mstKeyShapeProblem } from './key.js'
import { type Entry, MstNode } from './node.js'
import { parseNode } from './wire.js'
import { writeNode } from './wire-write.js'

/**
 * A node with more entries is rejected: with fanout 4 an honest node of even a huge repo holds
 * a few dozen, while mined keys could otherwise make one node (and every firehose event touching
 * it) arbitrarily large (repository.md "Security Considerations").
 */
export const DEFAULT_MAX_NODE_ENTRIES = 1024

export interface NodeCheckOptions {
  /** Hash every key to check it sits at its node's layer (one SHA-256 per key). */
  checkLayers: boolean
  maxEntries: number
}

/**
 * The CID of a node, encoding it (and any fresh descendants) on first use. The bytes are kept
 * on the node for whoever stores the tree's new blocks; `keepBytes` false skips that copy, for
 * a tree that is only hashed (operation inversion).
 */
export function nodeCid(node: MstNode, keepBytes = true): CID {
  if (node.cid !== undefined) return node.cid
  // Subtrees first: their links go into this node's bytes, written in a shared buffer.
  const entries = node.entries!
  if (node.left !== null) nodeCid(node.left, keepBytes)
  for (let i = 0; i < entries.length; i++) {
    const right = entries[i].right
    if (right !== null) nodeCid(right, keepBytes)
  }
  const written = writeNode(node)
  if (written === null) {
    const bytes = encodeNodeGeneric(node)
    node.bytes = bytes
    node.cid = cidForCbor(bytes)
  } else if (keepBytes) {
    const bytes = written.slice()
    node.bytes = bytes
    node.cid = cidForCbor(bytes)
  } else node.cid = cidForCbor(written)
  return node.cid
}

/** The node's DAG-CBOR bytes (subtree CIDs are computed, and cached, as needed). */
export function encodeNode(node: MstNode): Uint8Array {
  if (node.left !== null) nodeCid(node.left)
  for (const e of node.entries!) if (e.right !== null) nodeCid(e.right)
  return writeNode(node)?.slice() ?? encodeNodeGeneric(node)
}

const utf8 = new TextEncoder()

/** The node through the generic encoder (wire-write.ts writes the same bytes directly). */
export function encodeNodeGeneric(node: MstNode): Uint8Array {
  const entries = node.entries!
  const e: DataValue[] = new Array(entries.length)
  let prev = ''
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]
    const key = entry.key
    let p = 0
    const n = Math.min(prev.length, key.length)
    while (p < n && prev.charCodeAt(p) === key.charCodeAt(p)) p++
    // Literal keys in DAG-CBOR order, so the encoder finds them sorted.
    e[i] = {
      k: utf8.encode(key.slice(p)),
      p,
      t: entry.right === null ? null : nodeCid(entry.right),
      v: entry.value,
    }
    prev = key
  }
  return encodeCbor({ e, l: node.left === null ? null : nodeCid(node.left) })
}

function fail(cid: CID | undefined, msg: string): never {
  throw new InvalidMstError(`MST node ${cid ? cid.toString() : '(unknown)'}: ${msg}`)
}

function childLink(v: DataValue | undefined, node: MstNode, field: string): MstNode | null {
  if (v === null) return null
  if (!(v instanceof CID)) fail(node.cid, `${field} must be a CID or null`)
  // repository.md "CID Formats": links between MST nodes must use the blessed format.
  if (v.version !== 1 || v.code !== DAG_CBOR) fail(node.cid, `${field} is not a dag-cbor CIDv1`)
  if (node.layer === 0) fail(node.cid, `${field}: a layer-0 node cannot have subtrees`)
  return MstNode.stub(v, node.layer - 1)
}

// Keys are ASCII from a small set, so bytes map to characters one to one; anything else is
// refused here, before a string is built.
function keySuffix(k: Uint8Array, node: MstNode, i: number): string {
  const n = k.length
  if (n > MAX_MST_KEY_LENGTH) fail(node.cid, `entry ${i}: key suffix too long`)
  const codes: number[] = new Array(n)
  for (let j = 0; j < n; j++) {
    const c = k[j]
    if (!isKeyByte(c)) fail(node.cid, `entry ${i}: key byte 0x${c.toString(16)} not allowed`)
    codes[j] = c
  }
  return String.fromCharCode.apply(null, codes)
}

function countKeys(o: object): number {
  let n = 0
  for (const _ in o) n++
  return n
}

/**
 * Decodes `bytes` into the stub `node`, checking everything that can be checked locally: shape,
 * key syntax, strict key order, maximal prefix compression, subtree link format, and (optionally)
 * key layers. Range checks between a node and its subtrees need the parent: walkTree in walk.ts.
 */
export function decodeNodeInto(node: MstNode, bytes: Uint8Array, opts: NodeCheckOptions): void {
  const parsed = parseNode(bytes, node.layer, opts.checkLayers, opts.maxEntries)
  if (parsed === null) decodeNodeGeneric(node, bytes, opts)
  else {
    node.layer = parsed.layer
    node.left = parsed.left
    node.entries = parsed.entries
  }
}

/** decodeNodeInto through the generic decoder: the reference, and the path that words errors. */
export function decodeNodeGeneric(node: MstNode, bytes: Uint8Array, opts: NodeCheckOptions): void {
  let data: DataValue
  try {
    data = decodeCbor(bytes)
  } catch (err) {
    throw new InvalidMstError(`MST node ${node.cid?.toString()}: undecodable (${(err as Error).message})`, {
      cause: err,
    })
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data) || data instanceof Uint8Array) {
    fail(node.cid, 'not a map')
  }
  if (data instanceof CID) fail(node.cid, 'not a map')
  const map = data as { [key: string]: DataValue }
  const e = map.e
  if (!Array.isArray(e) || !('l' in map) || countKeys(map) !== 2)
    fail(node.cid, 'fields must be exactly l and e')
  if (e.length > opts.maxEntries)
    fail(node.cid, `${e.length} entries, more than the limit of ${opts.maxEntries}`)

  if (node.layer < 0) {
    // A root stub: its layer is its first key's; an empty root is the empty tree (layer 0).
    node.layer = 0
    if (e.length > 0) {
      const first = e[0] as { k?: DataValue }
      if (first && first.k instanceof Uint8Array) node.layer = leadingZerosOnHash(first.k)
    }
  }
  const layer = node.layer
  const left = childLink(map.l, node, 'l')
  const entries: Entry[] = new Array(e.length)
  let prev = ''
  for (let i = 0; i < e.length; i++) {
    const raw = e[i]
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw) || raw instanceof Uint8Array) {
      fail(node.cid, `entry ${i} is not a map`)
    }
    const ent = raw as { [key: string]: DataValue }
    const { p, k, v } = ent
    if (!('t' in ent) || countKeys(ent) !== 4) fail(node.cid, `entry ${i}: fields must be exactly p, k, v, t`)
    if (typeof p !== 'number' || !Number.isInteger(p) || p < 0 || p > prev.length) {
      fail(node.cid, `entry ${i}: bad prefix length`)
    }
    if (i === 0 && p !== 0) fail(node.cid, 'first entry must have prefix length 0')
    if (!(k instanceof Uint8Array)) fail(node.cid, `entry ${i}: k must be bytes`)
    if (!(v instanceof CID)) fail(node.cid, `entry ${i}: v must be a CID`)
    if (k.length > 0 && p < prev.length && k[0] === prev.charCodeAt(p)) {
      fail(node.cid, `entry ${i}: prefix length is not the full common prefix`)
    }
    const key = prev.slice(0, p) + keySuffix(k, node, i)
    const problem = mstKeyShapeProblem(key)
    if (problem !== undefined) fail(node.cid, `entry ${i}: invalid key ${JSON.stringify(key)}: ${problem}`)
    if (i > 0 && !(key > prev)) fail(node.cid, `entry ${i}: keys out of order`)
    if (opts.checkLayers && leadingZerosOnHash(p === 0 ? k : utf8.encode(key)) !== layer) {
      fail(node.cid, `key ${key} is not at layer ${layer}`)
    }
    entries[i] = { key, value: v, right: childLink(ent.t, node, `entry ${i} t`) }
    prev = key
  }
  node.left = left
  node.entries = entries
}

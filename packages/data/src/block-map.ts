// Blocks keyed by CID. Keys are CID.key (the digest as a short string, computed once per CID), so
// lookups never format base32; iteration follows insertion order, like Map.
import type { CID } from './cid.js'

export interface Block {
  cid: CID
  bytes: Uint8Array
}

export class BlockMap implements Iterable<Block> {
  private readonly map = new Map<string, Block>()
  private bytesTotal = 0

  constructor(blocks?: Iterable<Block>) {
    if (blocks) for (const b of blocks) this.set(b.cid, b.bytes)
  }

  /** Adds or replaces a block. The caller vouches that `bytes` hash to `cid`. */
  set(cid: CID, bytes: Uint8Array): this {
    const key = cid.key
    const prev = this.map.get(key)
    if (prev) this.bytesTotal -= prev.bytes.length
    this.map.set(key, { cid, bytes })
    this.bytesTotal += bytes.length
    return this
  }

  get(cid: CID): Uint8Array | undefined {
    return this.map.get(cid.key)?.bytes
  }

  has(cid: CID): boolean {
    return this.map.has(cid.key)
  }

  delete(cid: CID): boolean {
    const key = cid.key
    const prev = this.map.get(key)
    if (!prev) return false
    this.bytesTotal -= prev.bytes.length
    return this.map.delete(key)
  }

  clear(): void {
    this.map.clear()
    this.bytesTotal = 0
  }

  get size(): number {
    return this.map.size
  }

  /** Sum of the block lengths, without CIDs or CAR framing. */
  get byteSize(): number {
    return this.bytesTotal
  }

  entries(): IterableIterator<Block> {
    return this.map.values()
  }

  [Symbol.iterator](): IterableIterator<Block> {
    return this.map.values()
  }

  *cids(): IterableIterator<CID> {
    for (const b of this.map.values()) yield b.cid
  }

  forEach(fn: (bytes: Uint8Array, cid: CID) => void): void {
    for (const b of this.map.values()) fn(b.bytes, b.cid)
  }

  addMap(other: BlockMap): this {
    for (const b of other.map.values()) this.set(b.cid, b.bytes)
    return this
  }

  /** The blocks present among `cids`, and the CIDs that are not. */
  getMany(cids: Iterable<CID>): { blocks: BlockMap; missing: CID[] } {
    const blocks = new BlockMap()
    const missing: CID[] = []
    for (const cid of cids) {
      const b = this.map.get(cid.key)
      if (b) blocks.set(b.cid, b.bytes)
      else missing.push(cid)
    }
    return { blocks, missing }
  }

  get [Symbol.toStringTag](): string {
    return 'BlockMap'
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `BlockMap(${this.size} blocks, ${this.bytesTotal} bytes)`
  }

  static isBlockMap(v: unknown): v is BlockMap {
    return v instanceof BlockMap
  }
}

// An LRU of block bytes keyed by CID, bounded by total bytes: MST nodes and commit blocks a repo
// writer just wrote or read, so the next write to the same repo decodes them from memory instead
// of reading SQLite. Content addressing makes a hit always correct, whichever repo stored it.
import type { CID } from '@welkin/data'

export class BlockCache {
  // A Map iterates in insertion order: re-inserting on a hit moves the entry to the young end.
  readonly #entries = new Map<string, Uint8Array>()
  #bytes = 0
  hits = 0
  misses = 0

  constructor(readonly maxBytes = 64 * 1024 * 1024) {}

  get(cid: CID): Uint8Array | undefined {
    const key = cid.key
    const bytes = this.#entries.get(key)
    if (bytes === undefined) {
      this.misses++
      return undefined
    }
    this.hits++
    this.#entries.delete(key)
    this.#entries.set(key, bytes)
    return bytes
  }

  set(cid: CID, bytes: Uint8Array): void {
    if (bytes.length > this.maxBytes / 16) return
    const key = cid.key
    const old = this.#entries.get(key)
    if (old !== undefined) {
      this.#entries.delete(key)
      this.#bytes -= old.length
    }
    this.#entries.set(key, bytes)
    this.#bytes += bytes.length
    while (this.#bytes > this.maxBytes) {
      const oldest = this.#entries.entries().next().value as [string, Uint8Array]
      this.#entries.delete(oldest[0])
      this.#bytes -= oldest[1].length
    }
  }

  delete(cid: CID): void {
    const key = cid.key
    const old = this.#entries.get(key)
    if (old === undefined) return
    this.#entries.delete(key)
    this.#bytes -= old.length
  }

  get size(): number {
    return this.#entries.size
  }

  get byteSize(): number {
    return this.#bytes
  }

  clear(): void {
    this.#entries.clear()
    this.#bytes = 0
  }
}

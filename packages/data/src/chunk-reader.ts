// Pulls exact byte counts out of a stream of arbitrarily split chunks. Data inside one chunk is
// returned as a view; data spanning chunks is copied once into a buffer of the exact size, so
// total copying stays linear however the input is split.
import { CarError } from './errors.js'

const EMPTY = new Uint8Array(0)

export class ChunkReader {
  private readonly it: AsyncIterator<unknown> | Iterator<unknown>
  private chunk: Uint8Array = EMPTY
  private off = 0
  private done = false
  /** Bytes consumed before the current chunk. */
  private base = 0

  constructor(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>) {
    if (source === null || typeof source !== 'object') {
      throw new CarError('CAR source must be a Uint8Array or an (async) iterable of Uint8Array chunks')
    }
    const asyncIt = (source as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator]
    const syncIt = (source as Partial<Iterable<unknown>>)[Symbol.iterator]
    if (typeof asyncIt === 'function') this.it = asyncIt.call(source)
    else if (typeof syncIt === 'function') this.it = syncIt.call(source)
    else throw new CarError('CAR source must be a Uint8Array or an (async) iterable of Uint8Array chunks')
  }

  /** Bytes consumed so far: the stream offset of the next byte. */
  get position(): number {
    return this.base + this.off
  }

  /** Loads the next non-empty chunk; false at the end of the stream. */
  private async next(): Promise<boolean> {
    while (!this.done) {
      const r = await this.it.next()
      if (r.done) {
        this.done = true
        break
      }
      if (!(r.value instanceof Uint8Array))
        throw new CarError('CAR stream chunk is not a Uint8Array', this.position)
      this.base += this.chunk.length
      this.chunk = r.value
      this.off = 0
      if (r.value.length > 0) return true
    }
    return false
  }

  /** True when no bytes remain. */
  async atEnd(): Promise<boolean> {
    if (this.off < this.chunk.length) return false
    return !(await this.next())
  }

  /** An unsigned varint (at most 8 bytes, minimal, <= 2^53 - 1); throws CarError. */
  async readVarint(): Promise<number> {
    const at = this.position
    let value = 0
    let scale = 1
    for (let i = 0; ; i++) {
      if (this.off >= this.chunk.length && !(await this.next()))
        throw new CarError('CAR length prefix is truncated', at)
      const b = this.chunk[this.off++]
      value += (b & 0x7f) * scale
      if (b < 0x80) {
        if (b === 0 && i > 0) throw new CarError('CAR length prefix is not minimally encoded', at)
        if (value > Number.MAX_SAFE_INTEGER) throw new CarError('CAR length prefix exceeds 2^53 - 1', at)
        return value
      }
      if (i >= 7) throw new CarError('CAR length prefix exceeds 2^53 - 1', at)
      scale *= 128
    }
  }

  /** Exactly `n` bytes; the caller has bounded `n`. Throws CarError when the stream ends first. */
  async readExact(n: number, what: string): Promise<Uint8Array> {
    const at = this.position
    const avail = this.chunk.length - this.off
    if (avail >= n) {
      const view = this.chunk.subarray(this.off, this.off + n)
      this.off += n
      return view
    }
    const out = new Uint8Array(n)
    let filled = 0
    for (;;) {
      const take = Math.min(n - filled, this.chunk.length - this.off)
      out.set(this.chunk.subarray(this.off, this.off + take), filled)
      this.off += take
      filled += take
      if (filled === n) return out
      if (!(await this.next())) throw new CarError(`${what} is truncated`, at)
    }
  }

  /** Lets the source release resources when we stop early. */
  async close(): Promise<void> {
    if (!this.done) {
      this.done = true
      await this.it.return?.()
    }
  }
}

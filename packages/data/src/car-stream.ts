// Streaming CAR v1 reader: blocks are verified and handed out as they arrive, so a repository
// can be processed without holding the whole file. Memory is bounded by one section
// (maxBlockBytes) plus whatever the source buffers.
import type { Block } from './block-map.js'
import { BlockMap } from './block-map.js'
import {
  checkSectionLength,
  MAX_HEADER_BYTES,
  parseHeader,
  parseSection,
  resolveCarLimits,
} from './car-format.js'
import { type CarContents, readCarSync } from './car-read.js'
import { ChunkReader } from './chunk-reader.js'
import type { CID } from './cid.js'
import { CarError } from './errors.js'
import type { CarLimits } from './limits.js'

export type CarSource = Uint8Array | AsyncIterable<Uint8Array> | Iterable<Uint8Array>

export interface CarStream {
  /** The header's roots; rejects (CarError) if the header is bad. */
  roots: Promise<CID[]>
  /** Each section's block after its hash is checked, in file order (duplicates included). */
  blocks: AsyncIterable<Block>
}

/**
 * Reads a CAR v1 incrementally. The header is read as soon as this is called; iterate `blocks`
 * once. Chunks must not be reused by the source after being yielded: blocks may be views of them.
 */
export function readCarStream(source: CarSource, opts?: CarLimits): CarStream {
  const limits = resolveCarLimits(opts)
  const reader = new ChunkReader(source instanceof Uint8Array ? [source] : source)
  const roots = (async () => {
    const hlen = await reader.readVarint()
    if (hlen > MAX_HEADER_BYTES) throw new CarError(`CAR header of ${hlen} bytes is too large`, 0)
    const at = reader.position
    return parseHeader(await reader.readExact(hlen, 'CAR header'), at)
  })()
  // Marks the promise handled: a caller that only iterates blocks gets the error from there.
  roots.catch(() => {})
  let started = false

  async function* blocks(): AsyncGenerator<Block> {
    if (started) throw new CarError('CAR blocks can be iterated only once')
    started = true
    try {
      await roots
      let count = 0
      while (!(await reader.atEnd())) {
        const at = reader.position
        const len = await reader.readVarint()
        checkSectionLength(len, limits, at)
        const sectionStart = reader.position
        if (sectionStart + len > limits.maxTotalBytes) {
          throw new CarError(`CAR exceeds the limit of ${limits.maxTotalBytes} bytes`, at)
        }
        if (++count > limits.maxBlocks) throw new CarError(`CAR has more than ${limits.maxBlocks} blocks`, at)
        const section = await reader.readExact(len, 'CAR section')
        yield parseSection(section, 0, len, at)
      }
    } finally {
      await reader.close()
    }
  }

  return { roots, blocks: { [Symbol.asyncIterator]: blocks } }
}

/** Reads a whole CAR v1 into memory (sync fast path for a Uint8Array); throws CarError. */
export async function readCar(source: CarSource, opts?: CarLimits): Promise<CarContents> {
  if (source instanceof Uint8Array) return readCarSync(source, opts)
  const stream = readCarStream(source, opts)
  const blocks = new BlockMap()
  for await (const b of stream.blocks) blocks.set(b.cid, b.bytes)
  return { roots: await stream.roots, blocks }
}

import { BlockMap, type CID } from '@welkin/data'

/**
 * Where trees and records are read from. A synchronous answer (a BlockMap, a cache) lets tree
 * operations run without awaiting; a database may answer with a promise.
 */
export interface ReadableBlockstore {
  getBytes(cid: CID): Promise<Uint8Array | null> | Uint8Array | null
}

/** A blockstore a Repo can also write its new commits to. */
export interface RepoBlockstore extends ReadableBlockstore {
  putBlocks(blocks: BlockMap): Promise<void> | void
}

/** Blocks in memory; what tests, CAR imports and firehose slices use. */
export class MemoryBlockstore implements RepoBlockstore {
  readonly blocks: BlockMap

  constructor(blocks?: BlockMap) {
    this.blocks = blocks ?? new BlockMap()
  }

  getBytes(cid: CID): Uint8Array | null {
    return this.blocks.get(cid) ?? null
  }

  has(cid: CID): boolean {
    return this.blocks.has(cid)
  }

  putBlocks(blocks: BlockMap): void {
    this.blocks.addMap(blocks)
  }

  put(cid: CID, bytes: Uint8Array): void {
    this.blocks.set(cid, bytes)
  }

  get size(): number {
    return this.blocks.size
  }
}

export function isPromiseLike<T>(v: unknown): v is PromiseLike<T> {
  return v !== null && typeof v === 'object' && typeof (v as { then?: unknown }).then === 'function'
}

/** Reads a block that must exist, from a store that may answer synchronously or not. */
export async function getBytesAsync(store: ReadableBlockstore, cid: CID): Promise<Uint8Array | null> {
  return await store.getBytes(cid)
}

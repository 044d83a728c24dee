import { cidForRaw } from '@welkin/data'
import { describe, expect, it } from 'vitest'
import { BlockCache } from './block-cache.js'

const block = (i: number, size = 100) => {
  const bytes = new Uint8Array(size).fill(i & 255)
  bytes[0] = i >> 8
  return { cid: cidForRaw(bytes), bytes }
}

describe('BlockCache', () => {
  it('evicts the least recently used entries beyond its byte budget', () => {
    const cache = new BlockCache(1600)
    const blocks = Array.from({ length: 20 }, (_, i) => block(i))
    for (const b of blocks.slice(0, 16)) cache.set(b.cid, b.bytes)
    expect(cache.byteSize).toBe(1600)
    expect(cache.get(blocks[0].cid)).toBe(blocks[0].bytes) // now the youngest
    cache.set(blocks[16].cid, blocks[16].bytes)
    expect(cache.get(blocks[1].cid)).toBeUndefined()
    expect(cache.get(blocks[0].cid)).toBe(blocks[0].bytes)
    expect(cache.byteSize).toBeLessThanOrEqual(1600)
    expect(cache.size).toBe(16)
  })

  it('does not let one huge block flush everything', () => {
    const cache = new BlockCache(1600)
    const small = block(1)
    cache.set(small.cid, small.bytes)
    const big = block(2, 1000)
    cache.set(big.cid, big.bytes)
    expect(cache.get(big.cid)).toBeUndefined()
    expect(cache.get(small.cid)).toBe(small.bytes)
  })

  it('replaces and deletes with exact accounting', () => {
    const cache = new BlockCache(10_000)
    const b = block(3)
    cache.set(b.cid, b.bytes)
    cache.set(b.cid, b.bytes)
    expect(cache.byteSize).toBe(100)
    cache.delete(b.cid)
    expect(cache.byteSize).toBe(0)
    expect(cache.size).toBe(0)
  })
})

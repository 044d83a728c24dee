import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { BlockMap } from './block-map.js'
import { CID } from './cid.js'
import { cidForRaw, dataToBlock } from './cid-for.js'

describe('BlockMap', () => {
  it('keys blocks by CID value, not object identity', () => {
    const { cid, bytes } = dataToBlock({ a: 1 })
    const map = new BlockMap().set(cid, bytes)
    const same = CID.parse(cid.toString())
    expect(map.has(same)).toBe(true)
    expect(map.get(same)).toBe(bytes)
    expect(map.size).toBe(1)
    expect(map.byteSize).toBe(bytes.length)
    // Same digest, other codec: a different CID.
    expect(map.has(CID.create(0x55, cid.digest))).toBe(false)
  })

  it('tracks size and byteSize through set, replace, delete and addMap', () => {
    const a = dataToBlock({ a: 1 })
    const b = dataToBlock({ b: 'two' })
    const map = new BlockMap([a, b])
    expect(map.byteSize).toBe(a.bytes.length + b.bytes.length)
    map.set(a.cid, a.bytes)
    expect(map.size).toBe(2)
    expect(map.byteSize).toBe(a.bytes.length + b.bytes.length)
    expect(map.delete(a.cid)).toBe(true)
    expect(map.delete(a.cid)).toBe(false)
    expect(map.byteSize).toBe(b.bytes.length)
    const other = new BlockMap([a])
    map.addMap(other)
    expect([...map.cids()].map(String)).toEqual([b.cid.toString(), a.cid.toString()])
    const { blocks, missing } = map.getMany([a.cid, cidForRaw(new Uint8Array(0))])
    expect(blocks.size).toBe(1)
    expect(missing.length).toBe(1)
    map.clear()
    expect(map.size).toBe(0)
    expect(map.byteSize).toBe(0)
  })

  it('iterates in insertion order like a Map', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.uint8Array({ maxLength: 8 }), { maxLength: 30, comparator: 'IsStrictlyEqual' }),
        (list) => {
          const map = new BlockMap()
          const ref = new Map<string, Uint8Array>()
          for (const bytes of list) {
            const cid = cidForRaw(bytes)
            map.set(cid, bytes)
            ref.set(cid.toString(), bytes)
          }
          expect(map.size).toBe(ref.size)
          expect([...map.entries()].map((e) => e.cid.toString())).toEqual([...ref.keys()])
        },
      ),
      { numRuns: 100 },
    )
  })
})

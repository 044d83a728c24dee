import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { scanCar } from './car-scan.js'
import { cidBytesToString, cidStringToBytes } from './cid-string.js'
import { CarScanError, InteropError } from './errors.js'

// Built by hand (not with @welkin/data) so the oracle is tested independently of Welkin.
function cidFor(data: Uint8Array): Uint8Array {
  return Uint8Array.of(0x01, 0x71, 0x12, 0x20, ...createHash('sha256').update(data).digest())
}

function varint(n: number): number[] {
  const out: number[] = []
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80)
    n >>>= 7
  }
  return [...out, n]
}

function car(rootCids: Uint8Array[], blocks: Uint8Array[]): Uint8Array {
  const header = [0xa2, 0x65, ...Buffer.from('roots'), 0x80 + rootCids.length]
  for (const cid of rootCids) header.push(0xd8, 0x2a, 0x58, cid.length + 1, 0x00, ...cid)
  header.push(0x67, ...Buffer.from('version'), 0x01)
  const out = [...varint(header.length), ...header]
  for (const data of blocks) {
    const cid = cidFor(data)
    out.push(...varint(cid.length + data.length), ...cid, ...data)
  }
  return Uint8Array.from(out)
}

describe('scanCar', () => {
  it('reads roots and every block with its offset, for any blocks', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }), (blocks) => {
        const roots = blocks.slice(0, 1).map(cidFor)
        const bytes = car(roots, blocks)
        const scanned = scanCar(bytes)
        expect(scanned.roots).toEqual(roots.map(cidBytesToString))
        expect(scanned.blocks).toHaveLength(blocks.length)
        scanned.blocks.forEach((b, i) => {
          expect(b.cid).toBe(cidBytesToString(cidFor(blocks[i])))
          expect(bytes.subarray(b.offset, b.offset + b.length)).toEqual(blocks[i])
        })
      }),
    )
  })

  it('refuses a block whose bytes do not hash to its CID, unless told not to check', () => {
    const bytes = car([], [Buffer.from('hello block')])
    bytes[bytes.length - 1] ^= 1
    expect(() => scanCar(bytes)).toThrow(/does not hash to its CID/)
    expect(scanCar(bytes, { checkHashes: false }).blocks).toHaveLength(1)
  })

  it('refuses truncated files and malformed headers with a CarScanError', () => {
    const good = car([cidFor(Buffer.from('x'))], [Buffer.from('x')])
    const headerEnd = 1 + good[0]
    for (let cut = 1; cut < good.length; cut++) {
      // Cut right after the header, what is left is a valid CAR with no blocks.
      if (cut !== headerEnd)
        expect(() => scanCar(good.subarray(0, cut)), `cut at ${cut}`).toThrow(CarScanError)
    }
    const badVersion = good.slice()
    badVersion[good.indexOf(0x67) + 8] = 0x02
    expect(() => scanCar(badVersion)).toThrow(/'version': 1/)
    expect(() => scanCar(new Uint8Array())).toThrow(CarScanError)
    expect(() => scanCar(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff))).toThrow(CarScanError)
  })
})

describe('CID strings', () => {
  it('round-trip any bytes through base32', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        expect(cidStringToBytes(cidBytesToString(b))).toEqual(b)
      }),
    )
  })

  it('match a known CID', () => {
    const cid = 'bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm'
    const bytes = cidStringToBytes(cid)
    expect([...bytes.subarray(0, 4)]).toEqual([0x01, 0x71, 0x12, 0x20])
    expect(cidBytesToString(bytes)).toBe(cid)
  })

  it('refuse other multibases and characters', () => {
    expect(() => cidStringToBytes('Qmabc')).toThrow(InteropError)
    expect(() => cidStringToBytes('bafy1')).toThrow(InteropError)
  })
})

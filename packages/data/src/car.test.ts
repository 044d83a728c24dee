import { describe, expect, it } from 'vitest'
import { BlockMap } from './block-map.js'
import { readCarSync } from './car-read.js'
import { readCar, readCarStream } from './car-stream.js'
import { encodeCar, encodeCarHeader, writeCar } from './car-write.js'
import { encodeCbor } from './cbor-encode.js'
import { CID } from './cid.js'
import { cidForRaw, dataToBlock } from './cid-for.js'
import { CarError } from './errors.js'
import { SYNC_SLICE_LIMITS } from './limits.js'
import { encodeVarint } from './varint.js'

const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex')
const concat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts))

const commit = dataToBlock({ did: 'did:plc:abc', version: 3, rev: '3jzfcijpj2z2a' })
const record = dataToBlock({ $type: 'app.bsky.feed.post', text: 'hello', createdAt: '2024-01-01T00:00:00Z' })
const blob = { cid: cidForRaw(new Uint8Array([1, 2, 3])), bytes: new Uint8Array([1, 2, 3]) }

function section(cid: CID, bytes: Uint8Array): Uint8Array {
  return concat(encodeVarint(cid.bytes.length + bytes.length), cid.bytes, bytes)
}

async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size)
}

async function collect(it: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const c of it) parts.push(c)
  return concat(...parts)
}

/** Both readers must reject the same input with a CarError matching `message`. */
async function expectRejected(car: Uint8Array, message: RegExp, opts?: Parameters<typeof readCarSync>[1]) {
  expect(() => readCarSync(car, opts)).toThrow(CarError)
  expect(() => readCarSync(car, opts)).toThrow(message)
  await expect(readCar(chunked(car, 7), opts)).rejects.toThrow(message)
  await expect(readCar(chunked(car, 7), opts)).rejects.toBeInstanceOf(CarError)
}

describe('CAR v1', () => {
  it('writes the header as canonical DAG-CBOR {roots, version}', () => {
    const header = encodeCarHeader([commit.cid])
    expect(toHex(header)).toBe(
      `3a a2 65726f6f7473 81 d82a 5825 00${toHex(commit.cid.bytes)} 67 76657273696f6e 01`.replace(/ /g, ''),
    )
  })

  it('encodes sections as varint(len) + CID + block and reads them back', () => {
    const car = encodeCar([commit.cid], [commit, record, blob])
    const expected = concat(
      encodeCarHeader([commit.cid]),
      section(commit.cid, commit.bytes),
      section(record.cid, record.bytes),
      section(blob.cid, blob.bytes),
    )
    expect(car).toEqual(expected)
    const { roots, blocks } = readCarSync(car)
    expect(roots.map(String)).toEqual([commit.cid.toString()])
    expect([...blocks.cids()].map(String)).toEqual([commit.cid, record.cid, blob.cid].map(String))
    expect(blocks.get(record.cid)).toEqual(record.bytes)
  })

  it('writeCar streams the same bytes as encodeCar, from sync or async blocks', async () => {
    const big = new Uint8Array(100_000).fill(9)
    const bigBlock = { cid: cidForRaw(big), bytes: big }
    const list = [commit, record, bigBlock, blob]
    const whole = encodeCar([commit.cid], list)
    expect(Buffer.from(await collect(writeCar([commit.cid], list))).equals(whole)).toBe(true)
    async function* asyncBlocks() {
      yield* list
    }
    expect(Buffer.from(await collect(writeCar([commit.cid], asyncBlocks()))).equals(whole)).toBe(true)
    expect(Buffer.from(encodeCar([commit.cid], new BlockMap(list))).equals(whole)).toBe(true)
  })

  it('streams blocks from chunks split anywhere, even one byte at a time', async () => {
    const car = encodeCar([commit.cid, record.cid], [commit, record, blob])
    for (const size of [1, 2, 3, 37, 1000]) {
      const stream = readCarStream(chunked(car, size))
      expect((await stream.roots).map(String)).toEqual([commit.cid.toString(), record.cid.toString()])
      const seen: string[] = []
      for await (const b of stream.blocks) seen.push(b.cid.toString())
      expect(seen).toEqual([commit.cid, record.cid, blob.cid].map(String))
    }
  })

  it('accepts sync iterables and Uint8Array sources', async () => {
    const car = encodeCar([commit.cid], [commit])
    const fromArray = await readCar([car.subarray(0, 10), car.subarray(10)])
    expect(fromArray.blocks.size).toBe(1)
    const stream = readCarStream(car)
    for await (const b of stream.blocks) expect(b.cid.equals(commit.cid)).toBe(true)
  })

  it('tolerates duplicate, extra and out-of-order blocks and empty roots', () => {
    const car = encodeCar([commit.cid], [blob, record, commit, record, blob])
    const { blocks } = readCarSync(car)
    expect(blocks.size).toBe(3)
    expect(readCarSync(encodeCar([], [])).roots).toEqual([])
  })

  it('names the CID of a block that does not match its hash', async () => {
    const bad = { cid: record.cid, bytes: encodeCbor({ tampered: true }) }
    const car = encodeCar([commit.cid], [commit, bad])
    await expectRejected(car, new RegExp(`block ${record.cid.toString()} does not match its CID`))
    try {
      readCarSync(car)
    } catch (err) {
      expect((err as CarError).offset).toBe(
        encodeCarHeader([commit.cid]).length + section(commit.cid, commit.bytes).length,
      )
    }
  })

  it('rejects malformed headers', async () => {
    const withHeader = (value: Parameters<typeof encodeCbor>[0]) => {
      const h = encodeCbor(value)
      return concat(encodeVarint(h.length), h)
    }
    await expectRejected(withHeader({ version: 2 }), /CARv2 is not supported/)
    await expectRejected(withHeader({ version: 1 }), /roots must be an array/)
    await expectRejected(withHeader({ version: 1, roots: ['x'] }), /roots must be CIDs/)
    await expectRejected(withHeader([1]), /header must be a map/)
    await expectRejected(concat(encodeVarint(3), new Uint8Array([0xa1, 0x61, 0x61])), /not valid DAG-CBOR/)
    await expectRejected(new Uint8Array(0), /truncated/)
    await expectRejected(new Uint8Array([0x80]), /truncated/)
    await expectRejected(new Uint8Array([0x81, 0x00]), /minimal/)
    await expectRejected(
      concat(encodeVarint(1_000_000), new Uint8Array(10)),
      /header of 1000000 bytes is too large/,
    )
    await expectRejected(encodeCarHeader([commit.cid]).subarray(0, 20), /truncated/)
  })

  it('rejects malformed sections', async () => {
    const header = encodeCarHeader([commit.cid])
    const v0 = concat(new Uint8Array([0x12, 0x20]), new Uint8Array(32))
    await expectRejected(concat(header, encodeVarint(v0.length), v0), /too short for a CID/)
    await expectRejected(concat(header, encodeVarint(40), v0, new Uint8Array(6)), /CIDv0/)
    const pb = concat(new Uint8Array([1, 0x70, 0x12, 0x20]), new Uint8Array(32))
    await expectRejected(concat(header, encodeVarint(36), pb), /codec 0x70/)
    const full = section(record.cid, record.bytes)
    await expectRejected(concat(header, full.subarray(0, full.length - 1)), /truncated/)
    await expectRejected(concat(header, new Uint8Array([0x85])), /truncated/)
  })

  it('enforces block size, total size and block count limits', async () => {
    const car = encodeCar([commit.cid], [commit, record, blob])
    await expectRejected(car, /exceeds the limit of 10/, { maxBlockBytes: 10 })
    await expectRejected(car, /more than 2 blocks/, { maxBlocks: 2 })
    await expectRejected(car, /exceeds the limit of 100/, { maxTotalBytes: 100 })
    // A declared length far beyond the input fails before any allocation.
    const header = encodeCarHeader([commit.cid])
    await expectRejected(concat(header, encodeVarint(2 ** 40)), /exceeds the limit/)
    expect(readCarSync(car, SYNC_SLICE_LIMITS).blocks.size).toBe(3)
  })

  it('rejects bad sources and chunks with CarError', async () => {
    await expect(readCar(null as never)).rejects.toBeInstanceOf(CarError)
    await expect(readCar(['nope'] as never)).rejects.toThrow(/not a Uint8Array/)
    expect(() => readCarSync('x' as never)).toThrow(CarError)
  })

  it('reports a bad header through both roots and blocks', async () => {
    const stream = readCarStream(new Uint8Array([0x01, 0xf7]))
    await expect(stream.roots).rejects.toThrow(CarError)
    await expect(async () => {
      for await (const _ of stream.blocks) {
        // unreachable
      }
    }).rejects.toThrow(CarError)
  })

  it('stops pulling the source when the consumer stops early', async () => {
    let returned = false
    const car = encodeCar([commit.cid], [commit, record, blob])
    async function* source() {
      try {
        for (const b of car) yield new Uint8Array([b])
      } finally {
        returned = true
      }
    }
    const stream = readCarStream(source())
    for await (const _ of stream.blocks) break
    expect(returned).toBe(true)
  })

  it('rejects unknown CIDs and bytes in the writer', () => {
    expect(() => encodeCar(['x' as never], [])).toThrow(CarError)
    expect(() => encodeCar([], [{ cid: commit.cid, bytes: 'x' as never }])).toThrow(CarError)
    expect(() =>
      encodeCar([], [{ cid: CID.parse(commit.cid.toString()).toString() as never, bytes: new Uint8Array() }]),
    ).toThrow(CarError)
  })
})

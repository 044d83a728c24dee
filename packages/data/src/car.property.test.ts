import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Block } from './block-map.js'
import { readCarSync } from './car-read.js'
import { readCar } from './car-stream.js'
import { encodeCar, writeCar } from './car-write.js'
import { cidForRaw, dataToBlock } from './cid-for.js'
import { CarError } from './errors.js'
import { dataArb } from './testing.js'

const blockArb: fc.Arbitrary<Block> = fc.oneof(
  dataArb.map(dataToBlock),
  fc.uint8Array({ maxLength: 64 }).map((bytes) => ({ cid: cidForRaw(bytes), bytes })),
)

/** Distinct blocks, then the same blocks shuffled with some repeated: what a CAR may contain. */
const carArb = fc
  .uniqueArray(blockArb, { minLength: 1, maxLength: 12, selector: (b) => b.cid.toString() })
  .chain((blocks) =>
    fc.record({
      blocks: fc.constant(blocks),
      written: fc
        .tuple(fc.shuffledSubarray(blocks, { minLength: blocks.length }), fc.subarray(blocks))
        .chain(([all, dups]) =>
          fc.shuffledSubarray([...all, ...dups], { minLength: all.length + dups.length }),
        ),
      roots: fc.subarray(blocks.map((b) => b.cid)),
    }),
  )

/** Splits bytes at random points into chunks. */
function splitArb(length: number): fc.Arbitrary<number[]> {
  return fc.uniqueArray(fc.nat({ max: length }), { maxLength: 12 }).map((cuts) => cuts.sort((a, b) => a - b))
}

function* split(bytes: Uint8Array, cuts: number[]): Generator<Uint8Array> {
  let prev = 0
  for (const c of [...cuts, bytes.length]) {
    yield bytes.slice(prev, c)
    prev = c
  }
}

async function collect(it: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const c of it) parts.push(c)
  return new Uint8Array(Buffer.concat(parts))
}

/** Outcome of a reader as comparable data: the block set, or the error class. */
async function outcome(read: () => Promise<{ roots: { toString(): string }[]; blocks: Iterable<Block> }>) {
  try {
    const { roots, blocks } = await read()
    const list = [...blocks].map((b) => `${b.cid}:${Buffer.from(b.bytes).toString('hex')}`).sort()
    return { roots: roots.map(String), list }
  } catch (err) {
    if (!(err instanceof CarError)) throw err
    return 'CarError'
  }
}

describe('CAR properties', () => {
  it('write then read returns every block, whatever order and duplication', async () => {
    await fc.assert(
      fc.asyncProperty(carArb, async ({ blocks, written, roots }) => {
        const car = encodeCar(roots, written)
        expect(Buffer.from(await collect(writeCar(roots, written))).equals(car)).toBe(true)
        const read = readCarSync(car)
        expect(read.roots.map(String)).toEqual(roots.map(String))
        expect(read.blocks.size).toBe(blocks.length)
        for (const b of blocks) expect(read.blocks.get(b.cid)).toEqual(b.bytes)
      }),
      { numRuns: 150 },
    )
  })

  it('streaming over any chunking gives the same result as the sync reader', async () => {
    await fc.assert(
      fc.asyncProperty(
        carArb.chain((c) => {
          const car = encodeCar(c.roots, c.written)
          return fc.tuple(fc.constant(car), splitArb(car.length))
        }),
        async ([car, cuts]) => {
          const sync = await outcome(async () => readCarSync(car))
          const streamed = await outcome(() => readCar(split(car, cuts)))
          expect(streamed).toEqual(sync)
        },
      ),
      { numRuns: 150 },
    )
  })

  it('mutated CARs: both readers agree, and throw nothing but CarError', async () => {
    const mutated = carArb.chain((c) => {
      const car = encodeCar(c.roots, c.written)
      return fc.tuple(
        fc.constant(car),
        fc.nat({ max: car.length - 1 }),
        fc.integer({ min: 0, max: 255 }),
        fc.constantFrom('set', 'insert', 'delete', 'cut'),
        splitArb(car.length + 1),
      )
    })
    await fc.assert(
      fc.asyncProperty(mutated, async ([car, at, b, op, cuts]) => {
        const parts = [...car]
        if (op === 'set') parts[at] = b
        else if (op === 'insert') parts.splice(at, 0, b)
        else if (op === 'delete') parts.splice(at, 1)
        else parts.length = at
        const bytes = Uint8Array.from(parts)
        const sync = await outcome(async () => readCarSync(bytes))
        const streamed = await outcome(() =>
          readCar(
            split(
              bytes,
              cuts.filter((c) => c <= bytes.length),
            ),
          ),
        )
        expect(streamed).toEqual(sync)
      }),
      { numRuns: 500 },
    )
  })

  it('random bytes are rejected with CarError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        expect(() => readCarSync(bytes)).toThrow(CarError)
      }),
      { numRuns: 1000 },
    )
  })
})

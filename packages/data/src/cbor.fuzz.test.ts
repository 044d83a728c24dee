import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeCbor, decodeCborMulti } from './cbor-decode.js'
import { encodeCbor } from './cbor-encode.js'
import { CborDecodeError } from './errors.js'
import { dataArb } from './testing.js'

/**
 * The decoder's contract on arbitrary input: it returns a value or throws CborDecodeError,
 * and anything it accepts is canonical, so re-encoding gives back exactly the input.
 */
function checkDecode(bytes: Uint8Array): void {
  let value: ReturnType<typeof decodeCbor>
  try {
    value = decodeCbor(bytes)
  } catch (err) {
    if (!(err instanceof CborDecodeError)) throw err
    expect(err.offset).toBeGreaterThanOrEqual(0)
    expect(err.offset).toBeLessThanOrEqual(bytes.length)
    return
  }
  expect(Buffer.from(encodeCbor(value)).equals(Buffer.from(bytes))).toBe(true)
}

// Byte strings that start like CBOR heads so the fuzzer gets past the first byte more often.
const cborish = fc.array(
  fc.oneof(
    fc.integer({ min: 0, max: 255 }),
    fc.constantFrom(
      0xa1,
      0xa2,
      0x82,
      0x61,
      0x62,
      0xd8,
      0x2a,
      0x58,
      0x25,
      0x00,
      0x01,
      0x71,
      0x12,
      0x20,
      0xf6,
      0xf5,
    ),
  ),
  { maxLength: 80 },
)

describe('DAG-CBOR decoder fuzzing', () => {
  it('random bytes: a value that re-encodes identically, or a CborDecodeError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), checkDecode), { numRuns: 1500 })
    fc.assert(
      fc.property(cborish, (a) => checkDecode(Uint8Array.from(a))),
      { numRuns: 1500 },
    )
  })

  it('single-byte mutations of valid CBOR', () => {
    const mutated = dataArb
      .map((v) => encodeCbor(v))
      .chain((bytes) =>
        fc.tuple(fc.constant(bytes), fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 0, max: 255 })),
      )
    fc.assert(
      fc.property(mutated, ([bytes, at, b]) => {
        const copy = bytes.slice()
        copy[at] = b
        checkDecode(copy)
      }),
      { numRuns: 1500 },
    )
  })

  it('truncations, insertions and deletions of valid CBOR', () => {
    const edited = dataArb
      .map((v) => encodeCbor(v))
      .chain((bytes) =>
        fc.tuple(
          fc.constant(bytes),
          fc.nat({ max: bytes.length }),
          fc.constantFrom('cut', 'insert', 'delete'),
          fc.integer({ min: 0, max: 255 }),
        ),
      )
    fc.assert(
      fc.property(edited, ([bytes, at, op, b]) => {
        const parts = [...bytes]
        if (op === 'cut') parts.length = at
        else if (op === 'insert') parts.splice(at, 0, b)
        else parts.splice(at, 1)
        checkDecode(Uint8Array.from(parts))
      }),
      { numRuns: 1200 },
    )
  })

  it('decodeCborMulti throws only CborDecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          decodeCborMulti(bytes)
        } catch (err) {
          expect(err).toBeInstanceOf(CborDecodeError)
        }
      }),
      { numRuns: 1200 },
    )
  })
})

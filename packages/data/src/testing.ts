// fast-check generators shared by this package's tests (not exported from the package).
import fc from 'fast-check'
import { CID, DAG_CBOR, RAW } from './cid.js'
import type { DataObject, DataValue } from './data-value.js'

export const cidArb: fc.Arbitrary<CID> = fc
  .tuple(fc.constantFrom(DAG_CBOR, RAW), fc.uint8Array({ minLength: 32, maxLength: 32 }))
  .map(([code, digest]) => CID.create(code, digest))

/** Keys that stress canonical ordering: ASCII, astral and BMP-high characters, reserved names. */
export const keyArb: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.string({ unit: 'binary', maxLength: 4 }),
  fc.constantFrom('$type', '__proto__', 'constructor', 'a', 'aa', 'b', 'é', '\uff61', '\u{10000}', ''),
)

export const leafArb: fc.Arbitrary<DataValue> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -30, max: 300 }),
  fc.maxSafeInteger(),
  fc.constantFrom(23, 24, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, -24, -25, -(2 ** 32), -(2 ** 32) - 1),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.uint8Array({ maxLength: 40 }),
  cidArb,
)

/** A plain object with the given entries, setting "__proto__" as data rather than the prototype. */
export function objectFrom(entries: [string, DataValue][]): DataObject {
  const out: DataObject = {}
  for (const [k, v] of entries)
    Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true })
  return out
}

export const dataArb: fc.Arbitrary<DataValue> = fc.letrec<{
  value: DataValue
  arr: DataValue[]
  obj: DataObject
}>((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leafArb, tie('arr'), tie('obj')),
  arr: fc.array(tie('value'), { maxLength: 6 }),
  obj: fc.uniqueArray(fc.tuple(keyArb, tie('value')), { maxLength: 6, selector: ([k]) => k }).map(objectFrom),
})).value

/** Data whose top level is an object, like a record. */
export const objectArb: fc.Arbitrary<DataObject> = fc
  .uniqueArray(fc.tuple(keyArb, dataArb), { maxLength: 8, selector: ([k]) => k })
  .map(objectFrom)

import * as ipld from '@ipld/dag-cbor'
import fc from 'fast-check'
import { CID as MfCID } from 'multiformats/cid'
import { describe, expect, it } from 'vitest'
import { decodeCbor } from './cbor-decode.js'
import { encodeCbor } from './cbor-encode.js'
import { CID } from './cid.js'
import { type DataValue, dataEquals, isDataObject } from './data-value.js'
import { dataArb, keyArb, leafArb, objectFrom } from './testing.js'

// Our values -> the shapes @ipld/dag-cbor expects (multiformats CIDs, plain objects).
function toIpld(v: DataValue): unknown {
  if (v instanceof CID) return MfCID.decode(v.bytes)
  if (Array.isArray(v)) return v.map(toIpld)
  if (isDataObject(v)) {
    const out: Record<string, unknown> = {}
    for (const k of Object.keys(v))
      Object.defineProperty(out, k, {
        value: toIpld(v[k]),
        enumerable: true,
        writable: true,
        configurable: true,
      })
    return out
  }
  return v
}

function fromIpld(v: unknown): DataValue {
  const cid = CID.asCID(v)
  if (cid) return cid
  if (Array.isArray(v)) return v.map(fromIpld)
  if (v instanceof Uint8Array) return v
  if (typeof v === 'object' && v !== null) {
    return objectFrom(Object.entries(v).map(([k, x]) => [k, fromIpld(x)]))
  }
  return v as DataValue
}

describe('DAG-CBOR properties', () => {
  it('decode(encode(x)) equals x, and re-encodes to the same bytes', () => {
    fc.assert(
      fc.property(dataArb, (value) => {
        const bytes = encodeCbor(value)
        const back = decodeCbor(bytes)
        expect(dataEquals(back, value)).toBe(true)
        expect(encodeCbor(back)).toEqual(bytes)
      }),
      { numRuns: 500 },
    )
  })

  it('encodes maps the same whatever the key insertion order', () => {
    const entries = fc.uniqueArray(fc.tuple(keyArb, leafArb), {
      minLength: 2,
      maxLength: 12,
      selector: ([k]) => k,
    })
    fc.assert(
      fc.property(
        entries.chain((e) => fc.tuple(fc.constant(e), fc.shuffledSubarray(e, { minLength: e.length }))),
        ([ordered, shuffled]) => {
          expect(encodeCbor(objectFrom(shuffled))).toEqual(encodeCbor(objectFrom(ordered)))
        },
      ),
      { numRuns: 300 },
    )
  })

  it('produces byte-identical encodings to @ipld/dag-cbor', () => {
    fc.assert(
      fc.property(dataArb, (value) => {
        const ours = encodeCbor(value)
        const theirs = ipld.encode(toIpld(value))
        expect(Buffer.from(ours).toString('hex')).toBe(Buffer.from(theirs).toString('hex'))
      }),
      { numRuns: 500 },
    )
  })

  it('decodes what @ipld/dag-cbor encodes to the same values', () => {
    fc.assert(
      fc.property(dataArb, (value) => {
        const theirs = ipld.encode(toIpld(value))
        expect(dataEquals(decodeCbor(theirs), value)).toBe(true)
        expect(dataEquals(fromIpld(ipld.decode(encodeCbor(value))), value)).toBe(true)
      }),
      { numRuns: 300 },
    )
  })
})

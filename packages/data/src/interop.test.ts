import { expect, it } from 'vitest'
import { describeInterop, readInteropJson } from '../../../test/support/interop.js'
import { base64Decode, base64Encode } from './base64.js'
import { decodeCbor } from './cbor-decode.js'
import { encodeCbor } from './cbor-encode.js'
import { cidForCbor } from './cid-for.js'
import { dataEquals } from './data-value.js'
import { DataError } from './errors.js'
import { dataToJson, jsonToData, jsonToDataObject } from './json.js'

interface Fixture {
  json: unknown
  cbor_base64: string
  cid: string
}

interface Case {
  note: string
  json: unknown
}

describeInterop('data-model fixtures', () => {
  const fixtures = readInteropJson<Fixture[]>('data-model/data-model-fixtures.json')

  it('has cases to run', () => {
    expect(fixtures.length).toBeGreaterThan(0)
  })

  fixtures.forEach((f, i) => {
    it(`fixture ${i}: json -> cbor -> cid, and back`, () => {
      const data = jsonToData(f.json)
      const cbor = encodeCbor(data)
      expect(base64Encode(cbor)).toBe(f.cbor_base64.replace(/=+$/, ''))
      expect(cidForCbor(cbor).toString()).toBe(f.cid)

      const decoded = decodeCbor(base64Decode(f.cbor_base64))
      expect(dataEquals(decoded, data)).toBe(true)
      expect(encodeCbor(decoded)).toEqual(cbor)
      // JSON round trip: same data again, whatever the key order.
      expect(dataEquals(jsonToData(JSON.parse(JSON.stringify(dataToJson(decoded)))), data)).toBe(true)
    })
  })
})

describeInterop('data-model valid', () => {
  const cases = readInteropJson<Case[]>('data-model/data-model-valid.json')
  for (const c of cases) {
    it(`accepts: ${c.note}`, () => {
      const data = jsonToDataObject(c.json)
      expect(dataEquals(decodeCbor(encodeCbor(data)), data)).toBe(true)
    })
  }
})

describeInterop('data-model invalid', () => {
  const cases = readInteropJson<Case[]>('data-model/data-model-invalid.json')
  for (const c of cases) {
    it(`rejects: ${c.note}`, () => {
      expect(() => jsonToDataObject(c.json)).toThrow(DataError)
    })
  }
})

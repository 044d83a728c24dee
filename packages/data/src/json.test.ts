import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { blobRef, isBlobRef, isLegacyBlobRef } from './blob.js'
import { CID } from './cid.js'
import { cidForRaw } from './cid-for.js'
import { dataEquals } from './data-value.js'
import { DataError, InvalidDataError } from './errors.js'
import { dataToJson, jsonToData, jsonToDataObject, parseJsonData, stringifyData } from './json.js'
import { dataArb } from './testing.js'
import { ensureValidData, isValidData } from './validate.js'

const LINK = 'bafyreidfayvfuwqa7qlnopdjiqrxzs6blmoeu4rujcjtnci5beludirz2a'
const BLOB = 'bafkreiccldh766hwcnuxnf2wh6jgzepf2nlu2lvcllt63eww5p6chi4ity'

function invalid(json: unknown): InvalidDataError {
  try {
    jsonToData(json)
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidDataError)
    return err as InvalidDataError
  }
  throw new Error('expected rejection')
}

describe('atproto-JSON', () => {
  it('converts $link and $bytes, padded or not', () => {
    const data = jsonToData({
      l: { $link: LINK },
      b: { $bytes: 'AQID' },
      p: { $bytes: 'AQ==' },
      u: { $bytes: 'AQ' },
    })
    expect(data).toMatchObject({
      b: new Uint8Array([1, 2, 3]),
      p: new Uint8Array([1]),
      u: new Uint8Array([1]),
    })
    expect((data as { l: CID }).l.equals(CID.parse(LINK))).toBe(true)
    expect(dataToJson(data)).toEqual({
      l: { $link: LINK },
      b: { $bytes: 'AQID' },
      p: { $bytes: 'AQ' },
      u: { $bytes: 'AQ' },
    })
  })

  it('round-trips any data through JSON text', () => {
    fc.assert(
      fc.property(dataArb.filter(isValidData), (value) => {
        expect(dataEquals(parseJsonData(stringifyData(value)), value)).toBe(true)
      }),
      { numRuns: 300 },
    )
  })

  it.each<[string, unknown, RegExp, (string | number)[]]>([
    ['floats', { a: [1, 2.5] }, /2.5 is a float/, ['a', 1]],
    ['unsafe integers', { n: 2 ** 60 }, /safe range/, ['n']],
    ['$link with extra keys', { x: { $link: LINK, y: 1 } }, /no other keys/, ['x']],
    ['$link that is not a string', { x: { $link: 5 } }, /CID string/, ['x']],
    ['$link with a bad CID', { x: { $link: 'bafy' } }, /bad \$link/, ['x']],
    [
      '$link with a CIDv0',
      { x: { $link: 'QmSnuWmxptJZdLJpKRarxBMS2Ju2oANVrgbr2xWbie9b2D' } },
      /CIDv0/,
      ['x'],
    ],
    ['$bytes with extra keys', { x: { $bytes: 'AQ', y: 1 } }, /no other keys/, ['x']],
    ['$bytes that is not a string', { x: { $bytes: [1] } }, /base64 string/, ['x']],
    ['$bytes that is URL-safe base64', { x: { $bytes: '-_8' } }, /bad \$bytes/, ['x']],
    ['empty $type', { $type: '' }, /non-empty string/, []],
    ['null $type', { r: { $type: null } }, /non-empty string/, ['r']],
    ['blob without ref', { b: { $type: 'blob', mimeType: 'a/b', size: 1 } }, /ref must be a CID/, ['b']],
    [
      'blob with a string size',
      { b: { $type: 'blob', ref: { $link: BLOB }, mimeType: 'a/b', size: '1' } },
      /size/,
      ['b'],
    ],
    [
      'blob with a negative size',
      { b: { $type: 'blob', ref: { $link: BLOB }, mimeType: 'a/b', size: -1 } },
      /size/,
      ['b'],
    ],
    [
      'blob with empty mimeType',
      { b: { $type: 'blob', ref: { $link: BLOB }, mimeType: '', size: 1 } },
      /mimeType/,
      ['b'],
    ],
    ['undefined', { a: undefined }, /undefined/, ['a']],
    ['class instances', { d: new Date() }, /not a JSON object/, ['d']],
  ])('rejects %s', (_, json, message, path) => {
    const err = invalid(json)
    expect(err.message).toMatch(message)
    expect(err.path).toEqual(path)
  })

  it('refuses deep nesting with a typed error', () => {
    const deep = JSON.parse(`${'['.repeat(5000)}${']'.repeat(5000)}`)
    expect(() => jsonToData(deep)).toThrow(InvalidDataError)
  })

  it('keeps a __proto__ key as data', () => {
    const data = parseJsonData('{"__proto__": {"polluted": true}}') as Record<string, unknown>
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype)
    expect(Object.keys(data)).toEqual(['__proto__'])
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined()
  })

  it('ignores unknown $ fields and accepts other $type values', () => {
    expect(jsonToData({ $type: 'app.bsky.feed.post', $future: { x: 1 } })).toEqual({
      $type: 'app.bsky.feed.post',
      $future: { x: 1 },
    })
  })

  it('jsonToDataObject requires an object at the top', () => {
    expect(() => jsonToDataObject('blah')).toThrow(/top-level value must be an object/)
    expect(() => jsonToDataObject([1])).toThrow(DataError)
    expect(jsonToDataObject({ a: 1 })).toEqual({ a: 1 })
  })

  it('parseJsonData reports bad JSON as a DataError', () => {
    expect(() => parseJsonData('{')).toThrow(DataError)
  })

  it('dataToJson rejects non-data values', () => {
    expect(() => dataToJson({ a: 1.5 })).toThrow(InvalidDataError)
    expect(() => dataToJson({ a: undefined } as never)).toThrow(/undefined/)
  })
})

describe('blobs and validation', () => {
  const ref = cidForRaw(new Uint8Array([1, 2, 3]))

  it('recognises blob refs and legacy blob refs', () => {
    const blob = blobRef(ref, 'image/png', 3)
    expect(isBlobRef(blob)).toBe(true)
    expect(isBlobRef(jsonToData(dataToJson(blob)))).toBe(true)
    expect(isBlobRef({ ...blob, size: -1 })).toBe(false)
    expect(isBlobRef({ ...blob, ref: ref.toString() })).toBe(false)
    expect(isLegacyBlobRef({ cid: ref.toString(), mimeType: 'image/png' })).toBe(true)
    expect(isLegacyBlobRef({ cid: 'nope', mimeType: 'image/png' })).toBe(false)
    expect(isLegacyBlobRef(blob)).toBe(false)
    expect(() => blobRef(CID.parse(LINK), 'image/png', 3)).toThrow(DataError)
    // Read leniently, as the official implementation and the lexicon vectors do.
    expect(isBlobRef(jsonToData({ $type: 'blob', ref: { $link: LINK }, mimeType: 'a/b', size: 1 }))).toBe(
      true,
    )
  })

  it('ensureValidData checks types, integers, $type and blobs with a path', () => {
    expect(isValidData({ a: [1, 'x', null, true, ref, new Uint8Array(1)] })).toBe(true)
    expect(() => ensureValidData({ a: [{ $type: 'blob', ref, mimeType: 'x/y', size: -1 }] })).toThrow(
      'blob size must be a non-negative integer at $.a[0]',
    )
    expect(isValidData({ a: 0.5 })).toBe(false)
    expect(() => ensureValidData({ a: { b: 0.5 } })).toThrow('0.5 is not a safe integer (no floats) at $.a.b')
    expect(isValidData({ a: new Map() })).toBe(false)
    expect(isValidData(Symbol('x'))).toBe(false)
  })
})

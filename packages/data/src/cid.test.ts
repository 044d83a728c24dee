import fc from 'fast-check'
import { CID as MfCID } from 'multiformats/cid'
import { describe, expect, it } from 'vitest'
import { CID, DAG_CBOR, RAW } from './cid.js'
import { cidForCbor, cidForData, cidForRaw, verifyBlock } from './cid-for.js'
import { CidError } from './errors.js'
import { cidArb } from './testing.js'

const RECORD_CID = 'bafyreidfayvfuwqa7qlnopdjiqrxzs6blmoeu4rujcjtnci5beludirz2a'
const BLOB_CID = 'bafkreiccldh766hwcnuxnf2wh6jgzepf2nlu2lvcllt63eww5p6chi4ity'

describe('CID', () => {
  it('parses and formats the blessed forms', () => {
    const rec = CID.parse(RECORD_CID)
    expect(rec.version).toBe(1)
    expect(rec.code).toBe(DAG_CBOR)
    expect(rec.digest.length).toBe(32)
    expect(rec.bytes.length).toBe(36)
    expect(rec.toString()).toBe(RECORD_CID)
    expect(CID.parse(BLOB_CID).code).toBe(RAW)
    expect(JSON.stringify({ x: rec })).toBe(`{"x":{"$link":"${RECORD_CID}"}}`)
  })

  it('agrees with multiformats on bytes and strings', () => {
    fc.assert(
      fc.property(cidArb, (cid) => {
        const theirs = MfCID.decode(cid.bytes)
        expect(cid.toString()).toBe(theirs.toString())
        expect(CID.parse(theirs.toString()).equals(cid)).toBe(true)
        expect(CID.decode(theirs.bytes).equals(cid)).toBe(true)
        expect(CID.asCID(theirs)?.equals(cid)).toBe(true)
      }),
      { numRuns: 200 },
    )
  })

  it('creates CIDs from content like the reference hashes', () => {
    const bytes = new TextEncoder().encode('hello')
    expect(cidForRaw(bytes).toString()).toBe('bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq')
    expect(cidForData({ a: 1 }).equals(cidForCbor(new Uint8Array([0xa1, 0x61, 0x61, 0x01])))).toBe(true)
    expect(verifyBlock(cidForRaw(bytes), bytes)).toBe(true)
    expect(verifyBlock(cidForRaw(bytes), new Uint8Array([1]))).toBe(false)
  })

  it('compares by value', () => {
    const a = CID.parse(RECORD_CID)
    const b = CID.decode(a.bytes)
    expect(a.equals(b)).toBe(true)
    expect(a.equals(CID.parse(BLOB_CID))).toBe(false)
    expect(a.equals(null)).toBe(false)
    expect(a.key).toBe(b.key)
    expect(a.key).not.toBe(CID.create(RAW, a.digest).key)
  })

  it('copies input bytes in decode so later mutation cannot change it', () => {
    const bytes = CID.parse(RECORD_CID).bytes.slice()
    const cid = CID.decode(bytes)
    bytes[10] ^= 1
    expect(cid.toString()).toBe(RECORD_CID)
  })

  it.each([
    ['CIDv0 strings', 'QmSnuWmxptJZdLJpKRarxBMS2Ju2oANVrgbr2xWbie9b2D', /CIDv0/],
    ['uppercase base32', RECORD_CID.toUpperCase(), /base32 lower/],
    ['base58btc CIDv1', 'zdj7WWeQ43G6JJvLWQWZpyHuAMq6uYWRjkBXFad11vE2LHhQ7', /base32 lower/],
    ['bad characters', `${RECORD_CID.slice(0, -1)}1`, /invalid base32 character/],
    ['truncated', RECORD_CID.slice(0, -4), /must be 36 bytes|trailing bits|impossible length/],
    ['non-canonical trailing bits', `${RECORD_CID.slice(0, -1)}b`, /trailing bits/],
    ['empty', '', /base32 lower/],
    ['dag-pb', 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi', /codec 0x70/],
    [
      'sha-512',
      'bafyrgqhai26anf3i7pips7q22coa4sz2fr4gk4q4sqdtymvvjyginfzaqewveaeqdh524nsktaq43j65v22xxrybrtertmcfxufdam3da3hbk',
      /hash 0x13/,
    ],
    ['not a string', 42, /must be a string/],
  ])('rejects %s', (_, input, message) => {
    expect(() => CID.parse(input as string)).toThrow(CidError)
    expect(() => CID.parse(input as string)).toThrow(message)
  })

  it.each([
    ['CIDv0 bytes', new Uint8Array([0x12, 0x20, ...new Uint8Array(32)]), /CIDv0/],
    ['version 2', new Uint8Array([2, 0x71, 0x12, 0x20, ...new Uint8Array(32)]), /version 2/],
    ['extra bytes', new Uint8Array([1, 0x71, 0x12, 0x20, ...new Uint8Array(33)]), /36 bytes/],
    ['empty', new Uint8Array(0), /truncated/],
  ])('rejects binary %s', (_, bytes, message) => {
    expect(() => CID.decode(bytes)).toThrow(message)
  })

  it('validates create() arguments', () => {
    expect(() => CID.create(0x70, new Uint8Array(32))).toThrow(CidError)
    expect(() => CID.create(RAW, new Uint8Array(31))).toThrow(CidError)
  })

  it('asCID accepts only CIDs', () => {
    expect(CID.asCID({ bytes: new Uint8Array(36) })).toBeNull()
    expect(CID.asCID('bafy')).toBeNull()
    expect(CID.asCID(null)).toBeNull()
    const mfV0 = MfCID.parse('QmSnuWmxptJZdLJpKRarxBMS2Ju2oANVrgbr2xWbie9b2D')
    expect(CID.asCID(mfV0)).toBeNull()
  })
})

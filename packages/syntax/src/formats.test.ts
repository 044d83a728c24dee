// The loosely-shaped lexicon formats: cid (syntax only) and uri.
import { describe, expect, it } from 'vitest'
import { ensureValidCidString, isValidCidString } from './cid-string.js'
import { ensureValidUri, isValidUri, MAX_URI_BYTES } from './uri.js'

describe('CID strings', () => {
  it('accepts multibase CIDs whose digits belong to their base', () => {
    expect(isValidCidString('bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm')).toBe(true)
    expect(isValidCidString('BAFYREIE5737GDXLW5I64VZICHCALBA3Z2V5N6ICIFVX5XYTVSKE7MR3HPM')).toBe(true)
    expect(isValidCidString('uAXESIA')).toBe(false) // too short to be any CID
  })

  it('says what is wrong', () => {
    expect(() => ensureValidCidString('bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hp1')).toThrow(
      /"1" at 58, not a digit of its base "b"/,
    )
    expect(() => ensureValidCidString('QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR')).toThrow(/CIDv0/)
    expect(() => ensureValidCidString('xafyreie5737gdx')).toThrow(/no known multibase prefix/)
    expect(() => ensureValidCidString(`b${'a'.repeat(256)}`)).toThrow(/length must be 8\.\.256/)
  })
})

describe('URIs', () => {
  it('accepts any RFC 3986 scheme and IRI characters', () => {
    for (const uri of [
      'mailto:alice@example.com',
      'urn:isbn:0451450523',
      'ipfs://bafy',
      'https://例え.jp/パス',
    ]) {
      expect(isValidUri(uri), uri).toBe(true)
    }
  })

  it('counts the 8 KiB limit in UTF-8 bytes', () => {
    const prefix = 'https://x.test/'
    expect(isValidUri(prefix + 'a'.repeat(MAX_URI_BYTES - prefix.length))).toBe(true)
    expect(isValidUri(prefix + 'a'.repeat(MAX_URI_BYTES - prefix.length + 1))).toBe(false)
    // 'é' is 2 bytes and 1 UTF-16 unit; '😀' is 4 bytes and 2 units.
    expect(isValidUri(prefix + 'é'.repeat((MAX_URI_BYTES - prefix.length + 1) / 2))).toBe(false)
    expect(isValidUri(prefix + '😀'.repeat(Math.floor((MAX_URI_BYTES - prefix.length) / 4)))).toBe(true)
    expect(isValidUri(`${prefix}${'😀'.repeat(Math.floor((MAX_URI_BYTES - prefix.length) / 4))}ab`)).toBe(
      false,
    )
  })

  it('says what is wrong', () => {
    expect(() => ensureValidUri('1http://x')).toThrow(/start with a scheme/)
    expect(() => ensureValidUri('example.com')).toThrow(/then ":"/)
    expect(() => ensureValidUri('http:')).toThrow(/nothing after its scheme/)
    expect(() => ensureValidUri('file:///etc')).toThrow(/unexpected "\/"/)
    expect(() => ensureValidUri('https://x.test/a\u00a0b')).toThrow(/whitespace or a control character at 16/)
    expect(() => ensureValidUri('https://x.test/\u0085')).toThrow(/control/)
  })
})

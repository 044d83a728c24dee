import { p256 } from '@noble/curves/nist.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { base58btcEncode } from './base58.js'
import { InvalidKeyError } from './errors.js'
import {
  compressPublicKey,
  formatDidKey,
  formatMultikey,
  parseDidKey,
  parseLegacyMultibase,
  parseMultikey,
  parseVerificationMethodKey,
} from './multikey.js'

describe('spec examples', () => {
  // cryptography spec, "Encoded Examples"
  it.each([
    ['ES256', 'zDnaembgSGUhZULN2Caob4HLJPaxBh92N7rtH21TErzqf8HQo'],
    ['ES256K', 'zQ3shqwJEJyMBsBXCWyCBpUBMqxcon9oHB7mCvx4sSpMdLJwc'],
  ] as const)('%s multikey and did:key round-trip', (jwtAlg, multikey) => {
    const parsed = parseMultikey(multikey)
    expect(parsed.jwtAlg).toBe(jwtAlg)
    expect(parsed.keyBytes.length).toBe(33)
    expect(formatMultikey(jwtAlg, parsed.keyBytes)).toBe(multikey)
    expect(parseDidKey(`did:key:${multikey}`)).toEqual(parsed)
    expect(formatDidKey(jwtAlg, parsed.keyBytes)).toBe(`did:key:${multikey}`)
  })

  // did spec, "Legacy Representation": one K-256 key in both DID-document encodings.
  it('reads the legacy uncompressed multibase as the same key as its Multikey', () => {
    const legacy = parseVerificationMethodKey(
      'EcdsaSecp256k1VerificationKey2019',
      'zQYEBzXeuTM9UR3rfvNag6L3RNAs5pQZyYPsomTsgQhsxLdEgCrPTLgFna8yqCnxPpNT7DBk6Ym3dgPKNu86vt9GR',
    )
    const current = parseVerificationMethodKey(
      'Multikey',
      'zQ3shXjHeiBuRCKmM36cuYnm7YEMzhGnCmCyW92sRJ9pribSF',
    )
    expect(legacy).toEqual(current)
    expect(current.jwtAlg).toBe('ES256K')
  })
})

const curves = [
  { jwtAlg: 'ES256' as const, noble: p256, codec: [0x80, 0x24] },
  { jwtAlg: 'ES256K' as const, noble: secp256k1, codec: [0xe7, 0x01] },
]

describe.each(curves)('$jwtAlg keys', ({ jwtAlg, noble, codec }) => {
  const secret = fc
    .uint8Array({ minLength: 32, maxLength: 32 })
    .filter((b) => noble.utils.isValidSecretKey(b))

  it('round-trip through did:key for random keys, from either point form', () => {
    fc.assert(
      fc.property(secret, (priv) => {
        const compressed = noble.getPublicKey(priv, true)
        const did = formatDidKey(jwtAlg, compressed)
        expect(formatDidKey(jwtAlg, noble.getPublicKey(priv, false))).toBe(did)
        expect(parseDidKey(did)).toEqual({ jwtAlg, keyBytes: compressed })
        expect(compressPublicKey(jwtAlg, noble.getPublicKey(priv, false))).toEqual(compressed)
      }),
      { numRuns: 50 },
    )
  })

  it('accepts a did:key holding an uncompressed point, answering it compressed', () => {
    const priv = noble.utils.randomSecretKey()
    const legacyDid = `did:key:z${base58btcEncode(Uint8Array.of(...codec, ...noble.getPublicKey(priv, false)))}`
    expect(parseDidKey(legacyDid).keyBytes).toEqual(noble.getPublicKey(priv, true))
  })

  it('rejects an uncompressed point that is off the curve', () => {
    const full = noble.getPublicKey(noble.utils.randomSecretKey(), false)
    full[40] ^= 1
    const did = `did:key:z${base58btcEncode(Uint8Array.of(...codec, ...full))}`
    expect(() => parseDidKey(did)).toThrow(InvalidKeyError)
  })

  it('reads the legacy codec-less multibase in both point forms', () => {
    const priv = noble.utils.randomSecretKey()
    const compressed = noble.getPublicKey(priv, true)
    for (const form of [compressed, noble.getPublicKey(priv, false)]) {
      expect(parseLegacyMultibase(jwtAlg, `z${base58btcEncode(form)}`).keyBytes).toEqual(compressed)
    }
  })
})

describe('malformed input raises InvalidKeyError', () => {
  const k256 = parseMultikey('zQ3shqwJEJyMBsBXCWyCBpUBMqxcon9oHB7mCvx4sSpMdLJwc').keyBytes
  const encode = (...bytes: number[]) => `did:key:z${base58btcEncode(Uint8Array.from(bytes))}`

  it.each([
    ['missing did:key prefix', 'zQ3shqwJEJyMBsBXCWyCBpUBMqxcon9oHB7mCvx4sSpMdLJwc'],
    ['did:plc', 'did:plc:ewvi7nxzyoun6zhxrhs64oiz'],
    ['non-base58btc multibase', 'did:key:mAQID'],
    ['bad base58 character', 'did:key:zQ3sh0wJEJyMBsBXCWyCBpUBMqxcon9oHB7mCvx4sSpMdLJwc'],
    ['empty key', 'did:key:z'],
    ['ed25519 codec', encode(0xed, 0x01, ...new Uint8Array(32))],
    ['truncated key', encode(0xe7, 0x01, ...k256.subarray(0, 32))],
    ['extra byte', encode(0xe7, 0x01, ...k256, 0)],
    ['bad point prefix', encode(0xe7, 0x01, 0x05, ...k256.subarray(1))],
    ['non-minimal varint', encode(0xe7, 0x81, 0x00, ...k256)],
    ['unterminated varint', encode(0xff, 0xff, 0xff, 0xff)],
    ['overlong string', `did:key:z${'2'.repeat(5000)}`],
  ])('%s', (_, did) => {
    expect(() => parseDidKey(did)).toThrow(InvalidKeyError)
  })

  it('rejects non-string input and unknown verification method types', () => {
    expect(() => parseDidKey(42 as never)).toThrow(InvalidKeyError)
    expect(() => parseVerificationMethodKey('Ed25519VerificationKey2020', 'z6Mk')).toThrow(/unsupported type/)
    expect(() => parseVerificationMethodKey('toString', 'z6Mk')).toThrow(/unsupported type/)
    expect(() => formatMultikey('ES256K', k256.subarray(1))).toThrow(InvalidKeyError)
  })
})

// atproto-interop-tests/crypto: every case, on both backends.
import { expect, it } from 'vitest'
import { describeInterop, readInteropJson } from '../../../test/support/interop.js'
import type { Backend } from './backend.js'
import { base58btcDecode } from './base58.js'
import { P256Keypair, Secp256k1Keypair } from './keypair.js'
import { parseDidKey, parseVerificationMethodKey } from './multikey.js'
import { nativeBackend } from './native/backend.js'
import { parsePublicKey } from './public-key.js'
import { pureBackend } from './pure/backend.js'
import { verifySignatureSync } from './verify.js'

interface SignatureFixture {
  comment: string
  messageBase64: string
  algorithm: 'ES256' | 'ES256K'
  didDocSuite: string
  publicKeyDid: string
  publicKeyMultibase: string
  signatureBase64: string
  validSignature: boolean
  tags: string[]
}

const base64 = (text: string) => new Uint8Array(Buffer.from(text, 'base64'))
const backends: Backend[] = [nativeBackend, pureBackend]

describeInterop('crypto/signature-fixtures.json', () => {
  const fixtures = readInteropJson<SignatureFixture[]>('crypto/signature-fixtures.json')

  it('has the high-S and DER cases this suite relies on', () => {
    expect(fixtures.filter((f) => f.tags.includes('high-s')).length).toBeGreaterThanOrEqual(2)
    expect(fixtures.filter((f) => f.tags.includes('der-encoded')).length).toBeGreaterThanOrEqual(2)
  })

  for (const backend of backends) {
    for (const f of fixtures) {
      it(`${backend.name}: ${f.comment}`, () => {
        const msg = base64(f.messageBase64)
        const sig = base64(f.signatureBase64)
        const key = parsePublicKey(f.publicKeyDid, { backend })
        expect(key.jwtAlg).toBe(f.algorithm)
        expect(parseDidKey(f.publicKeyDid).jwtAlg).toBe(f.algorithm)
        expect(parseVerificationMethodKey(f.didDocSuite, f.publicKeyMultibase).keyBytes).toEqual(
          key.compressed,
        )
        expect(key.verifySync(msg, sig)).toBe(f.validSignature)
        expect(verifySignatureSync(f.publicKeyDid, msg, sig, { backend })).toBe(f.validSignature)
        expect(key.verifyDigestSync(backend.sha256(msg), sig)).toBe(f.validSignature)
        // The invalid cases are malleated forms of good signatures, so opting in accepts them all.
        expect(key.verifySync(msg, sig, { allowMalleableSig: true })).toBe(true)
        const tampered = msg.slice()
        tampered[0] ^= 1
        expect(key.verifySync(tampered, sig, { allowMalleableSig: true })).toBe(false)
      })
    }
  }
})

describeInterop('crypto/w3c_didkey_K256.json', () => {
  const cases = readInteropJson<{ privateKeyBytesHex: string; publicDidKey: string }[]>(
    'crypto/w3c_didkey_K256.json',
  )
  for (const backend of backends) {
    for (const c of cases) {
      it(`${backend.name}: ${c.publicDidKey}`, async () => {
        const keypair = await Secp256k1Keypair.import(c.privateKeyBytesHex, { backend })
        expect(keypair.did()).toBe(c.publicDidKey)
        expect(parsePublicKey(c.publicDidKey, { backend }).compressed).toEqual(keypair.publicKeyBytes())
      })
    }
  }
})

describeInterop('crypto/w3c_didkey_P256.json', () => {
  const cases = readInteropJson<{ privateKeyBytesBase58: string; publicDidKey: string }[]>(
    'crypto/w3c_didkey_P256.json',
  )
  for (const backend of backends) {
    for (const c of cases) {
      it(`${backend.name}: ${c.publicDidKey}`, async () => {
        const keypair = await P256Keypair.import(base58btcDecode(c.privateKeyBytesBase58), { backend })
        expect(keypair.did()).toBe(c.publicDidKey)
        expect(parsePublicKey(c.publicDidKey, { backend }).compressed).toEqual(keypair.publicKeyBytes())
      })
    }
  }
})

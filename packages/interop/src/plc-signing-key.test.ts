import { describe, expect, it } from 'vitest'
import { describeInterop, readInteropJson } from '../../../test/support/interop.js'
import { OfficialCallError } from './errors.js'
import { signingKeyFromDidDocument } from './plc-signing-key.js'

const did = 'did:plc:ewvi7nxzyoun6zhxrhs64oiz'

function docWith(method: Record<string, unknown>): Record<string, unknown> {
  return { id: did, verificationMethod: [{ id: `${did}#atproto`, controller: did, ...method }] }
}

interface SignatureFixture {
  didDocSuite: string
  publicKeyDid: string
  publicKeyMultibase: string
}

describeInterop('legacy DID document keys', () => {
  it('turns each legacy (compressed) key of the signature fixtures into its did:key', () => {
    const fixtures = readInteropJson<SignatureFixture[]>('crypto/signature-fixtures.json')
    expect(fixtures.length).toBeGreaterThan(0)
    for (const f of fixtures) {
      const doc = docWith({ type: f.didDocSuite, publicKeyMultibase: f.publicKeyMultibase })
      expect(signingKeyFromDidDocument(did, doc)).toBe(f.publicKeyDid)
    }
  })
})

describe('signingKeyFromDidDocument', () => {
  it('passes a Multikey through as a did:key', () => {
    const key = 'zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme'
    expect(signingKeyFromDidDocument(did, docWith({ type: 'Multikey', publicKeyMultibase: key }))).toBe(
      `did:key:${key}`,
    )
  })

  it('accepts the short #atproto id form', () => {
    const doc = { verificationMethod: [{ id: '#atproto', type: 'Multikey', publicKeyMultibase: 'zQ3abc' }] }
    expect(signingKeyFromDidDocument(did, doc)).toBe('did:key:zQ3abc')
  })

  it('rejects documents without a usable #atproto key', () => {
    const bad = [
      {},
      { verificationMethod: 'nope' },
      docWith({ type: 'Multikey' }),
      docWith({ type: 'Multikey', publicKeyMultibase: 'uAAAA' }),
      docWith({ type: 'Ed25519VerificationKey2020', publicKeyMultibase: 'z6Mk' }),
      docWith({ type: 'EcdsaSecp256k1VerificationKey2019', publicKeyMultibase: 'z111' }),
      docWith({ type: 'EcdsaSecp256k1VerificationKey2019', publicKeyMultibase: 'z0OIl' }),
    ]
    for (const doc of bad) expect(() => signingKeyFromDidDocument(did, doc)).toThrow(/#atproto|base58/)
    expect(() => signingKeyFromDidDocument(did, {})).toThrow(OfficialCallError)
  })
})

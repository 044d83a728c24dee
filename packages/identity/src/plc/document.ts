// Rendering did:plc state as a DID document, the way the public directory does (did:plc spec,
// "Presentation as DID Document"): keys as Multikey with the did:key body as
// publicKeyMultibase, ids as '#fragment' relative to the DID.
import type { DidDocument, DidService, VerificationMethod } from '../did-document.js'
import type { PlcDocumentData } from './types.js'

const DID_CONTEXT = 'https://www.w3.org/ns/did/v1'
const MULTIKEY_CONTEXT = 'https://w3id.org/security/multikey/v1'
// The curve suites are still listed beside Multikey so older consumers keep their vocabulary.
const K256_CONTEXT = 'https://w3id.org/security/suites/secp256k1-2019/v1'
const P256_CONTEXT = 'https://w3id.org/security/suites/ecdsa-2019/v1'

// Compressed k256 and p256 did:keys have fixed leading characters (the multicodec and the
// 0x02/0x03 point prefix), so the curve is known without decoding; keys were checked on write.
function suiteContext(multikey: string): string | undefined {
  if (multikey.startsWith('zQ3s')) return K256_CONTEXT
  if (multikey.startsWith('zDna')) return P256_CONTEXT
  return undefined
}

export function formatDidDocument(data: PlcDocumentData): DidDocument {
  const context = [DID_CONTEXT, MULTIKEY_CONTEXT]
  const verificationMethod: VerificationMethod[] = []
  for (const [id, key] of Object.entries(data.verificationMethods)) {
    const multikey = key.startsWith('did:key:') ? key.slice('did:key:'.length) : key
    const suite = suiteContext(multikey)
    if (suite && !context.includes(suite)) context.push(suite)
    verificationMethod.push({
      id: `#${id}`,
      type: 'Multikey',
      controller: data.did,
      publicKeyMultibase: multikey,
    })
  }
  const service: DidService[] = Object.entries(data.services).map(([id, s]) => ({
    id: `#${id}`,
    type: s.type,
    serviceEndpoint: s.endpoint,
  }))
  return { '@context': context, id: data.did, alsoKnownAs: data.alsoKnownAs, verificationMethod, service }
}

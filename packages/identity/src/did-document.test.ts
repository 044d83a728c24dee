import { base58btcEncode, formatDidKey, parseDidKey, Secp256k1Keypair } from '@welkin/crypto'
import { describe, expect, it } from 'vitest'
import {
  type DidDocument,
  getAtprotoKey,
  getHandle,
  getPdsEndpoint,
  isServiceOrigin,
  parseDidDocument,
} from './did-document.js'

const did = 'did:plc:ewvi7nxzyoun6zhxrhs64oiz'

describe('getHandle', () => {
  it('takes the first syntactically valid at:// alias, lower-cased', () => {
    const doc: DidDocument = {
      id: did,
      alsoKnownAs: ['https://x.com', 'at://not a handle', 'at://Alice.Test', 'at://b.test'],
    }
    expect(getHandle(doc)).toBe('alice.test')
    expect(getHandle({ id: did, alsoKnownAs: ['at://alice.test/path'] })).toBeUndefined()
    expect(getHandle({ id: did })).toBeUndefined()
  })
})

describe('getAtprotoKey', () => {
  it('reads Multikey and legacy verification methods, relative or absolute ids', async () => {
    const key = await Secp256k1Keypair.create()
    const multikey = key.did().slice('did:key:'.length)
    const rel = { id: '#atproto', type: 'Multikey', controller: did, publicKeyMultibase: multikey }
    expect(getAtprotoKey({ id: did, verificationMethod: [rel] })).toBe(key.did())
    expect(getAtprotoKey({ id: did, verificationMethod: [{ ...rel, id: `${did}#atproto` }] })).toBe(key.did())
    // Legacy: uncompressed point, no multicodec, curve named by the type.
    const { keyBytes } = parseDidKey(key.did())
    expect(formatDidKey('ES256K', keyBytes)).toBe(key.did())
    const legacy = {
      id: '#atproto',
      type: 'EcdsaSecp256k1VerificationKey2019',
      controller: did,
      publicKeyMultibase: `z${base58btcEncode(keyBytes)}`,
    }
    expect(getAtprotoKey({ id: did, verificationMethod: [legacy] })).toBe(key.did())
  })

  it('skips entries with another controller, another id or a broken key', async () => {
    const key = await Secp256k1Keypair.create()
    const good = { id: '#atproto', type: 'Multikey', controller: did, publicKeyMultibase: key.did().slice(8) }
    const doc: DidDocument = {
      id: did,
      verificationMethod: [
        { ...good, controller: 'did:plc:someoneelsesomeoneelseso' },
        { ...good, id: '#atproto_label' },
        { ...good, publicKeyMultibase: 'zBroken' },
        good,
      ],
    }
    expect(getAtprotoKey(doc)).toBe(key.did())
    expect(
      getAtprotoKey({ id: did, verificationMethod: [{ ...good, id: 'did:plc:other#atproto' }] }),
    ).toBeUndefined()
  })
})

describe('getPdsEndpoint', () => {
  it('takes the first #atproto_pds service of the right type with an http(s) origin', () => {
    const svc = {
      id: '#atproto_pds',
      type: 'AtprotoPersonalDataServer',
      serviceEndpoint: 'https://pds.example.com',
    }
    expect(getPdsEndpoint({ id: did, service: [svc] })).toBe('https://pds.example.com')
    expect(
      getPdsEndpoint({
        id: did,
        service: [
          { ...svc, type: 'Other' },
          { ...svc, id: `${did}#atproto_pds` },
        ],
      }),
    ).toBe('https://pds.example.com')
    expect(getPdsEndpoint({ id: did, service: [{ ...svc, serviceEndpoint: 'ftp://x.com' }] })).toBeUndefined()
    expect(getPdsEndpoint({ id: did, service: [{ ...svc, serviceEndpoint: { uri: 'x' } }] })).toBeUndefined()
  })

  it.each([
    ['https://pds.example.com', true],
    ['http://localhost:2583', true],
    ['https://pds.example.com/', true],
    ['https://pds.example.com/xrpc', false],
    ['https://u:p@pds.example.com', false],
    ['https://pds.example.com?x=1', false],
    ['pds.example.com', false],
  ])('isServiceOrigin(%s) is %s', (url, ok) => {
    expect(isServiceOrigin(url)).toBe(ok)
  })
})

describe('parseDidDocument', () => {
  it('accepts a well-formed document and checks its id', () => {
    const doc = { '@context': [], id: did, alsoKnownAs: [], verificationMethod: [], service: [] }
    expect(parseDidDocument(doc, did)).toBe(doc)
    expect(() => parseDidDocument(doc, 'did:plc:otherotherotherotherothe')).toThrow(/is not the DID/)
  })

  it.each([
    [null, 'not a JSON object'],
    [{ id: 'nope' }, 'id is not a DID'],
    [{ id: did, alsoKnownAs: 'at://x.test' }, 'alsoKnownAs must be an array'],
    [{ id: did, alsoKnownAs: [1] }, 'alsoKnownAs[0]'],
    [{ id: did, verificationMethod: [{ id: '#a' }] }, 'verificationMethod[0]'],
    [{ id: did, service: [{ id: '#a', type: 't', serviceEndpoint: 5 }] }, 'serviceEndpoint'],
  ])('refuses %j', (value, message) => {
    expect(() => parseDidDocument(value)).toThrow(message)
  })
})

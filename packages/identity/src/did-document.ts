// DID documents and the atproto fields in them (did spec, "DID Documents"): the claimed handle,
// the atproto signing key and the PDS endpoint. Lookups follow the spec's "first valid entry"
// rules and accept both relative ('#atproto') and absolute ('did:...#atproto') ids.
import { formatDidKey, parseVerificationMethodKey } from '@welkin/crypto'
import { isValidDid, isValidHandle, normalizeHandle } from '@welkin/syntax'
import { DidDocumentError } from './errors.js'

export interface VerificationMethod {
  id: string
  type: string
  controller: string
  publicKeyMultibase?: string
}

export interface DidService {
  id: string
  type: string
  serviceEndpoint: string | Record<string, unknown> | unknown[]
}

export interface DidDocument {
  '@context'?: string | unknown[]
  id: string
  alsoKnownAs?: string[]
  verificationMethod?: VerificationMethod[]
  service?: DidService[]
}

/** The atproto view of a document; fields are undefined when missing or invalid. */
export interface AtprotoIdentityData {
  did: string
  handle: string | undefined
  signingKey: string | undefined
  pds: string | undefined
}

function fail(message: string): never {
  throw new DidDocumentError(`DID document: ${message}`)
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function checkArray(
  doc: Record<string, unknown>,
  field: string,
  item: (v: unknown, i: number) => void,
): void {
  const v = doc[field]
  if (v === undefined) return
  if (!Array.isArray(v)) fail(`${field} must be an array`)
  v.forEach(item)
}

/** Checks the shape of untrusted JSON as a DID document; with `did`, also that `id` is that DID. */
export function parseDidDocument(value: unknown, did?: string): DidDocument {
  if (!isObject(value)) fail('not a JSON object')
  if (typeof value.id !== 'string' || !isValidDid(value.id)) fail('id is not a DID')
  if (did !== undefined && value.id !== did)
    fail(`id ${JSON.stringify(value.id)} is not the DID resolved (${did})`)
  checkArray(value, 'alsoKnownAs', (v, i) => {
    if (typeof v !== 'string') fail(`alsoKnownAs[${i}] is not a string`)
  })
  checkArray(value, 'verificationMethod', (v, i) => {
    if (
      !isObject(v) ||
      typeof v.id !== 'string' ||
      typeof v.type !== 'string' ||
      typeof v.controller !== 'string'
    )
      fail(`verificationMethod[${i}] needs string id, type and controller`)
    if (v.publicKeyMultibase !== undefined && typeof v.publicKeyMultibase !== 'string')
      fail(`verificationMethod[${i}].publicKeyMultibase is not a string`)
  })
  checkArray(value, 'service', (v, i) => {
    if (!isObject(v) || typeof v.id !== 'string' || typeof v.type !== 'string')
      fail(`service[${i}] needs string id and type`)
    const ep = v.serviceEndpoint
    if (typeof ep !== 'string' && !isObject(ep) && !Array.isArray(ep))
      fail(`service[${i}].serviceEndpoint must be a string, object or array`)
  })
  return value as unknown as DidDocument
}

function matchesId(doc: DidDocument, id: string, fragment: string): boolean {
  return (
    id === fragment ||
    (id.length === doc.id.length + fragment.length && id.startsWith(doc.id) && id.endsWith(fragment))
  )
}

/** The first `at://` alias that is a valid handle, lower-cased; undefined when there is none. */
export function getHandle(doc: DidDocument): string | undefined {
  for (const aka of doc.alsoKnownAs ?? []) {
    if (!aka.startsWith('at://')) continue
    const handle = aka.slice(5)
    if (isValidHandle(handle)) return normalizeHandle(handle)
  }
  return undefined
}

/** The atproto signing key as a did:key: first valid `#atproto` method the DID controls. */
export function getAtprotoKey(doc: DidDocument): string | undefined {
  return getVerificationKey(doc, 'atproto')
}

/** A verification method's key by id (without '#'), as a canonical did:key. */
export function getVerificationKey(doc: DidDocument, keyId: string): string | undefined {
  for (const vm of doc.verificationMethod ?? []) {
    if (!matchesId(doc, vm.id, `#${keyId}`) || vm.controller !== doc.id || !vm.publicKeyMultibase) continue
    try {
      const { jwtAlg, keyBytes } = parseVerificationMethodKey(vm.type, vm.publicKeyMultibase)
      return formatDidKey(jwtAlg, keyBytes)
    } catch {
      // did spec: the first *valid* key is used; a malformed entry is skipped.
    }
  }
  return undefined
}

/** A bare http(s) origin (scheme, host, optional port), as the spec requires of a PDS endpoint. */
export function isServiceOrigin(endpoint: string): boolean {
  if (!endpoint.startsWith('https://') && !endpoint.startsWith('http://')) return false
  let url: URL
  try {
    url = new URL(endpoint)
  } catch {
    return false
  }
  return (
    !url.username &&
    !url.password &&
    url.pathname === '/' &&
    !url.search &&
    !url.hash &&
    !endpoint.includes('?')
  )
}

/** The first service with this id (without '#') and type whose endpoint is an http(s) origin. */
export function getServiceEndpoint(doc: DidDocument, serviceId: string, type: string): string | undefined {
  for (const svc of doc.service ?? []) {
    if (!matchesId(doc, svc.id, `#${serviceId}`) || svc.type !== type) continue
    const ep = svc.serviceEndpoint
    return typeof ep === 'string' && isServiceOrigin(ep) ? ep : undefined
  }
  return undefined
}

export function getPdsEndpoint(doc: DidDocument): string | undefined {
  return getServiceEndpoint(doc, 'atproto_pds', 'AtprotoPersonalDataServer')
}

export function getAtprotoData(doc: DidDocument): AtprotoIdentityData {
  return { did: doc.id, handle: getHandle(doc), signingKey: getAtprotoKey(doc), pds: getPdsEndpoint(doc) }
}

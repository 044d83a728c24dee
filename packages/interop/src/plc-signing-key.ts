// The account's repo signing key as a did:key, read from its DID document on a PLC directory
// (the `#atproto` verification method; atproto DID spec, "Public Keys"). Both encodings the
// spec allows are read: Multikey, and the legacy EcdsaSecp256{k1,r1}VerificationKey2019 with a
// bare point, compressed or not (the official @did-plc/server 0.0.1 on npm emits uncompressed).
import { base58Decode, base58Encode } from './base58.js'
import { OfficialCallError } from './errors.js'

interface VerificationMethod {
  id?: unknown
  type?: unknown
  publicKeyMultibase?: unknown
}

// Multicodec varint prefixes of compressed public keys (did:key spec).
const LEGACY_PREFIXES: Record<string, number[]> = {
  EcdsaSecp256k1VerificationKey2019: [0xe7, 0x01],
  EcdsaSecp256r1VerificationKey2019: [0x80, 0x24],
}

export async function fetchDidDocument(plcUrl: string, did: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${plcUrl}/${encodeURIComponent(did)}`, { signal: AbortSignal.timeout(10_000) })
  if (!res.ok) throw new OfficialCallError(`PLC ${plcUrl}: GET ${did} answered HTTP ${res.status}`)
  return (await res.json()) as Record<string, unknown>
}

export async function fetchSigningKey(plcUrl: string, did: string): Promise<string> {
  return signingKeyFromDidDocument(did, await fetchDidDocument(plcUrl, did))
}

export function signingKeyFromDidDocument(did: string, doc: Record<string, unknown>): string {
  const methods = Array.isArray(doc.verificationMethod)
    ? (doc.verificationMethod as VerificationMethod[])
    : []
  const method = methods.find((m) => m.id === `${did}#atproto` || m.id === '#atproto')
  if (!method) throw new OfficialCallError(`DID document of ${did} has no #atproto verification method`)
  const multibase = method.publicKeyMultibase
  if (typeof multibase !== 'string' || !multibase.startsWith('z'))
    throw new OfficialCallError(`#atproto key of ${did} has no base58btc publicKeyMultibase`)
  // A Multikey value is already the multibase form of the bytes a did:key carries.
  if (method.type === 'Multikey') return `did:key:${multibase}`
  const prefix = LEGACY_PREFIXES[String(method.type)]
  if (!prefix) throw new OfficialCallError(`#atproto key of ${did} has unknown type ${String(method.type)}`)
  return `did:key:z${base58Encode(Uint8Array.from([...prefix, ...compressPoint(did, base58Decode(multibase.slice(1)))]))}`
}

/** SEC1 point compression: the x coordinate, prefixed by the parity of y. */
function compressPoint(did: string, point: Uint8Array): Uint8Array {
  if (point.length === 33 && (point[0] === 0x02 || point[0] === 0x03)) return point
  if (point.length === 65 && point[0] === 0x04)
    return Uint8Array.of(point[64] & 1 ? 0x03 : 0x02, ...point.subarray(1, 33))
  throw new OfficialCallError(`#atproto key of ${did} is not a SEC1 point (${point.length} bytes)`)
}

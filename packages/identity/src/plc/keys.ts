// Key rules for did:plc operations. Rotation keys must be k256 or p256 did:keys (the only
// curves that may sign operations); verificationMethods may be any syntactically valid did:key
// (did:plc spec v0.2 changelog). Keys of the two blessed curves must be in canonical compressed
// form, as the reference directory requires, so one key has one string and one CID.
import { base58btcDecode, formatDidKey, type PublicKey, parseDidKey, parsePublicKey } from '@welkin/crypto'
import { decodeVarint } from '@welkin/data'
import { PlcOpError } from '../errors.js'

const DID_KEY_PREFIX = 'did:key:z'
/** Room for any current public key type; longer strings are refused before decoding. */
const MAX_DID_KEY_LENGTH = 256
const K256_CODEC = 0xe7
const P256_CODEC = 0x1200

// A directory sees the same PDS rotation keys over and over; parsing a point costs about as
// much as verifying a signature. Map order doubles as recency order for eviction.
const CACHE_SIZE = 4096
const cache = new Map<string, PublicKey>()

function quote(key: string): string {
  return JSON.stringify(key.length > 80 ? `${key.slice(0, 80)}...` : key)
}

/** The parsed public key of a rotation key, or PlcOpError('UnsupportedKey'). */
export function rotationPublicKey(key: string): PublicKey {
  const hit = cache.get(key)
  if (hit) {
    cache.delete(key)
    cache.set(key, hit)
    return hit
  }
  if (typeof key !== 'string' || key.length > MAX_DID_KEY_LENGTH || !key.startsWith(DID_KEY_PREFIX)) {
    throw new PlcOpError('UnsupportedKey', `rotation key ${quote(String(key))} is not a did:key`)
  }
  let parsed: PublicKey
  try {
    const { jwtAlg, keyBytes } = parseDidKey(key)
    if (formatDidKey(jwtAlg, keyBytes) !== key) {
      throw new Error('key must be a compressed point')
    }
    parsed = parsePublicKey(key)
  } catch (err) {
    throw new PlcOpError(
      'UnsupportedKey',
      `rotation key ${quote(key)} is not a supported k256 or p256 did:key: ${(err as Error).message}`,
      { cause: err },
    )
  }
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string)
  cache.set(key, parsed)
  return parsed
}

/** Checks a verificationMethods value: any did:key, but blessed curves in canonical form. */
export function assertVerificationKey(id: string, key: string): void {
  const where = `verificationMethods.${id}`
  if (key.length > MAX_DID_KEY_LENGTH || !key.startsWith(DID_KEY_PREFIX)) {
    throw new PlcOpError('UnsupportedKey', `${where} ${quote(key)} is not a did:key (did:key:z...)`)
  }
  let codec: number
  try {
    const bytes = base58btcDecode(key.slice(DID_KEY_PREFIX.length))
    const [code, length] = decodeVarint(bytes)
    if (length >= bytes.length) throw new Error('no key bytes after the multicodec')
    codec = code
  } catch (err) {
    throw new PlcOpError(
      'UnsupportedKey',
      `${where} ${quote(key)} is not a valid did:key: ${(err as Error).message}`,
      {
        cause: err,
      },
    )
  }
  if (codec === K256_CODEC || codec === P256_CODEC) {
    // A point check without building a verifier: signing keys are not used to verify here.
    try {
      const { jwtAlg, keyBytes } = parseDidKey(key)
      if (formatDidKey(jwtAlg, keyBytes) !== key) throw new Error('key must be a compressed point')
    } catch (err) {
      throw new PlcOpError(
        'UnsupportedKey',
        `${where} ${quote(key)} is not a valid k256/p256 did:key: ${(err as Error).message}`,
        {
          cause: err,
        },
      )
    }
  }
}

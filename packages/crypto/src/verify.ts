import { defaultBackend } from '#backend'
import type { Backend } from './backend.js'
import { CryptoError } from './errors.js'
import { type BackendOption, parsePublicKey } from './public-key.js'
import type { PublicKey, VerifyOptions } from './types.js'

export interface VerifySignatureOptions extends VerifyOptions, BackendOption {}

// Callers of verifySignature pass the same few did:keys over and over (a PDS's own key, the
// accounts a relay is busy with); decoding a point costs about as much as a verification.
const KEY_CACHE_SIZE = 1024
const keyCaches = new WeakMap<Backend, Map<string, PublicKey>>()

function cachedKey(didKey: string, backend: Backend): PublicKey {
  let cache = keyCaches.get(backend)
  if (!cache) {
    cache = new Map()
    keyCaches.set(backend, cache)
  }
  let key = cache.get(didKey)
  if (key) {
    cache.delete(didKey) // re-insert: Map order doubles as recency order
  } else {
    key = parsePublicKey(didKey, { backend })
    if (cache.size >= KEY_CACHE_SIZE) cache.delete(cache.keys().next().value as string)
  }
  cache.set(didKey, key)
  return key
}

/**
 * Verifies `sig` over SHA-256(`msg`) with a did:key or an already parsed key. False for a bad,
 * high-S or DER signature (unless `allowMalleableSig`); throws InvalidKeyError for a bad key.
 */
export function verifySignatureSync(
  key: string | PublicKey,
  msg: Uint8Array,
  sig: Uint8Array,
  opts?: VerifySignatureOptions,
): boolean {
  const parsed = typeof key === 'string' ? cachedKey(key, opts?.backend ?? defaultBackend) : key
  return parsed.verifySync(msg, sig, opts)
}

export async function verifySignature(
  key: string | PublicKey,
  msg: Uint8Array,
  sig: Uint8Array,
  opts?: VerifySignatureOptions,
): Promise<boolean> {
  return verifySignatureSync(key, msg, sig, opts)
}

/** Verification when the caller already holds SHA-256 of the signed bytes. */
export function verifyDigestSync(
  key: PublicKey,
  digest32: Uint8Array,
  sig: Uint8Array,
  opts?: VerifyOptions,
): boolean {
  return key.verifyDigestSync(digest32, sig, opts)
}

/** SHA-256, synchronous (node:crypto on the server). */
export function sha256(bytes: Uint8Array): Uint8Array {
  return defaultBackend.sha256(bytes)
}

/** Cryptographically secure random bytes. */
export function randomBytes(length: number): Uint8Array {
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new CryptoError(`randomBytes: length must be a non-negative integer, got ${length}`)
  }
  return defaultBackend.randomBytes(length)
}

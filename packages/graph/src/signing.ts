// User-space signatures. The signed bytes are the DAG-CBOR array
// [DOMAIN, soul, prop, value, state]: binding soul and prop stops a signed value from being
// replayed under another soul or property, binding state stops it being replayed later or
// earlier, and the domain string keeps the signature from meaning anything outside this graph.
import { type PublicKey, parsePublicKey } from '@welkin/crypto'
import { encodeCbor } from '@welkin/data'
import type { Update } from './entry.js'
import { GraphError, preview, SignatureError } from './errors.js'
import type { Value } from './value.js'
import { valueToData } from './wire.js'

export const SIGNATURE_DOMAIN = 'welkin-graph-put-v1'

/** The exact bytes a user-space update's signature covers. */
export function signingPayload(soul: string, prop: string, value: Value, state: number): Uint8Array {
  return encodeCbor([SIGNATURE_DOMAIN, soul, prop, valueToData(value), state])
}

/** A key that signs synchronously (Welkin's P256Keypair and Secp256k1Keypair have `signSync`). */
export interface SyncSigner {
  did(): string
  signSync(msg: Uint8Array): Uint8Array
}

/** Any Welkin crypto Keypair. */
export interface AsyncSigner {
  did(): string
  sign(msg: Uint8Array): Promise<Uint8Array>
}

type Unsigned = Pick<Update, 'soul' | 'prop' | 'value' | 'state'>

export function signUpdateSync(u: Unsigned, signer: SyncSigner): Update {
  const sig = signer.signSync(signingPayload(u.soul, u.prop, u.value, u.state))
  return { soul: u.soul, prop: u.prop, value: u.value, state: u.state, sig }
}

export async function signUpdate(u: Unsigned, signer: AsyncSigner): Promise<Update> {
  const sig = await signer.sign(signingPayload(u.soul, u.prop, u.value, u.state))
  return { soul: u.soul, prop: u.prop, value: u.value, state: u.state, sig }
}

/** Checks signatures by did:key. Throws `SignatureError` ('invalid-key') for a bad key. */
export interface SignatureVerifier {
  verify(did: string, payload: Uint8Array, sig: Uint8Array): boolean
}

/**
 * Verifies with @welkin/crypto, keeping parsed keys in a bounded cache (the relay's hot-path
 * pattern): parsing a did:key decompresses a curve point, which costs as much as a verify.
 */
export class DidKeyVerifier implements SignatureVerifier {
  private readonly keys = new Map<string, PublicKey>()
  constructor(private readonly maxCachedKeys = 10_000) {}

  verify(did: string, payload: Uint8Array, sig: Uint8Array): boolean {
    let key = this.keys.get(did)
    if (key === undefined) {
      try {
        key = parsePublicKey(did)
      } catch (err) {
        throw new SignatureError('invalid-key', `cannot parse signer key ${did.slice(0, 80)}`, { cause: err })
      }
      // Insertion order makes the first key the oldest; evicting it bounds the cache.
      if (this.keys.size >= this.maxCachedKeys) this.keys.delete(this.keys.keys().next().value as string)
      this.keys.set(did, key)
    }
    return key.verifySync(payload, sig)
  }
}

/**
 * The user-space rule, on every path in (merge, put, sync): a 64-byte signature by the
 * soul's owner over this exact soul, prop, value and state. Throws `SignatureError`.
 */
export function checkUserWrite(
  verifier: SignatureVerifier,
  owner: string,
  soul: string,
  prop: string,
  value: Value,
  state: number,
  sig: unknown,
  signer: unknown,
): void {
  if (signer !== undefined && signer !== owner)
    throw new SignatureError('signer-mismatch', `signer is not the owner of ${preview(soul)}`)
  if (sig === null || sig === undefined)
    throw new SignatureError('signature-missing', `unsigned write to user space ${preview(soul)}`)
  if (!(sig instanceof Uint8Array) || sig.length !== 64)
    throw new SignatureError('signature-invalid', `signature must be 64 bytes on ${preview(soul)}`)
  let ok: boolean
  try {
    ok = verifier.verify(owner, signingPayload(soul, prop, value, state), sig)
  } catch (err) {
    if (err instanceof GraphError) throw err
    // A verifier that throws on odd bytes (r or s out of range) has still said "invalid".
    throw new SignatureError('signature-invalid', `signature check failed on ${preview(soul)}`, {
      cause: err,
    })
  }
  if (!ok) throw new SignatureError('signature-invalid', `bad signature on ${preview(soul)}.${preview(prop)}`)
}

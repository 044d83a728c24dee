import { CryptoError } from './errors.js'

// WebCrypto's getRandomValues fills at most 65536 bytes per call.
const MAX_CHUNK = 65536

/** Random bytes written straight into a fresh Uint8Array, chunked for getRandomValues. */
export function chunkedRandomBytes(fill: (chunk: Uint8Array) => unknown): (length: number) => Uint8Array {
  return (length) => {
    const out = new Uint8Array(length)
    for (let i = 0; i < length; i += MAX_CHUNK) fill(out.subarray(i, Math.min(length, i + MAX_CHUNK)))
    return out
  }
}

export function webCryptoFill(chunk: Uint8Array): void {
  const webCrypto = globalThis.crypto
  if (typeof webCrypto?.getRandomValues !== 'function') {
    throw new CryptoError('random bytes: this runtime has no crypto.getRandomValues')
  }
  webCrypto.getRandomValues(chunk)
}

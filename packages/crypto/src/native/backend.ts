// Server backend: node:crypto for SHA-256 and P-256, libsecp256k1 for secp256k1 (falling back
// to @noble/curves, and saying so in `implementations`, where the addon does not load).
import { getRandomValues } from 'node:crypto'
import type { Backend } from '../backend.js'
import { pureBackend } from '../pure/backend.js'
import { chunkedRandomBytes } from '../random.js'
import { nodeP256 } from './p256.js'
import { nativeK256, secp256k1Binding } from './secp256k1.js'
import { nodeSha256 } from './sha256.js'

export const nativeBackend: Backend = {
  name: 'native',
  implementations: {
    ES256: 'node:crypto',
    ES256K: secp256k1Binding
      ? 'libsecp256k1'
      : `${pureBackend.implementations.ES256K} (native addon missing)`,
  },
  curves: {
    ES256: nodeP256,
    ES256K: secp256k1Binding ? nativeK256(secp256k1Binding) : pureBackend.curves.ES256K,
  },
  sha256: nodeSha256,
  // Straight into a Uint8Array: no Buffer pool left holding key material.
  randomBytes: chunkedRandomBytes(getRandomValues),
}

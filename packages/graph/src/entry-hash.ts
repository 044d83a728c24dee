// A stable digest per entry for anti-entropy: two replicas hold the same entry exactly when
// the hashes match. It covers the signature too, since replicas must converge on it as well.
import { sha256 } from '@welkin/crypto'
import { encodeCbor } from '@welkin/data'
import type { Update } from './entry.js'
import { updateToData } from './wire.js'

export function entryHash(e: Update): Uint8Array {
  return sha256(encodeCbor(updateToData(e)))
}

// CIDs on the hot path travel as "binary strings": one char per byte (latin1), 36 chars for a
// CID. V8 stores them flat and compact, they compare with ===, and they cross to worker threads
// without the per-object cost of small typed arrays.
import { CID } from '@welkin/data'

const latin1Slice = Buffer.prototype.latin1Slice

export function bytesToBin(bytes: Uint8Array): string {
  // Buffer's native latin1 decoder accepts any Uint8Array, and is about twice as fast here.
  return latin1Slice.call(bytes, 0, bytes.length)
}

export function binToBytes(bin: string): Buffer {
  return Buffer.from(bin, 'latin1')
}

export function cidToBin(cid: CID): string {
  return bytesToBin(cid.bytes)
}

export function binToCid(bin: string): CID {
  return CID.decode(binToBytes(bin))
}

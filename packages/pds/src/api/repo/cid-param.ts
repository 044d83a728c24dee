// CID strings from requests. The lexicon's `cid` format checks the syntax only; a string can
// pass it and still not decode (a bad multihash, an unknown codec), which is the client's error.
import { CID } from '@welkin/data'
import { InvalidRequestError } from '@welkin/xrpc'

export function parseCid(value: unknown, field: string): CID | undefined {
  if (value === undefined) return undefined
  try {
    return CID.parse(value as string)
  } catch {
    throw new InvalidRequestError(`${field} is not a CID: ${JSON.stringify(value)}`)
  }
}

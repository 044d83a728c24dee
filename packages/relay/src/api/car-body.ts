// A CAR answer read from the archive. Damage is found while reading, and once the status line
// is out the only way to report it is to cut the connection; so the first `bufferBytes` of the
// answer are read before answering. Most repos fit, and any damage in them gets a proper
// `{error, message}`; a larger repo streams the rest, and damage past that point cuts it.
import { InvalidRequestError } from '@welkin/xrpc'
import { findCorrupt } from '../archive/corrupt-error.js'

const DEFAULT_BUFFER = 8 * 1024 * 1024

export async function carBody(
  chunks: AsyncIterable<Uint8Array>,
  damaged: (message: string) => Error,
  bufferBytes = DEFAULT_BUFFER,
): Promise<Uint8Array | AsyncIterable<Uint8Array>> {
  const it = chunks[Symbol.asyncIterator]()
  const head: Uint8Array[] = []
  let size = 0
  try {
    while (size < bufferBytes) {
      const next = await it.next()
      if (next.done) return Buffer.concat(head)
      head.push(next.value)
      size += next.value.length
    }
  } catch (err) {
    throw asXrpc(err, damaged)
  }
  return (async function* () {
    yield* head
    for (let next = await it.next(); !next.done; next = await it.next()) yield next.value
  })()
}

/** A damaged archive as the lexicon error the caller names; anything else unchanged. */
export function asXrpc(err: unknown, damaged: (message: string) => Error): unknown {
  const c = findCorrupt(err)
  return c ? damaged(`${c.message}; try the account's PDS`) : err
}

export function damagedRepo(message: string): Error {
  return new InvalidRequestError(message, 'RepoNotFound')
}

// The key `welkin repo verify` checks a commit signature against when none is given: the
// #atproto signing key in the DID document of the repo's DID (repository spec, "Commit
// Objects": the signature is checked against the current signing key of the DID).
import { createReadStream } from 'node:fs'
import { readCarStream } from '@welkin/data'
import { DidResolutionError, DidResolver, getAtprotoKey } from '@welkin/identity'
import { decodeCommit } from '@welkin/repo'
import { CommandError } from '../command.js'

/**
 * The DID of the commit a repo CAR is rooted at. Repo exports put the commit first, so this
 * reads only the start of the file; it stops at the commit block wherever it is.
 */
export async function commitDidOfCar(path: string): Promise<string> {
  const car = readCarStream(createReadStream(path, { highWaterMark: 64 * 1024 }))
  const [root] = await car.roots
  if (!root) throw new CommandError(`${path} has no root, so it holds no commit`)
  // Leaving the loop early closes the file (the reader's finally).
  for await (const block of car.blocks) {
    if (block.cid.equals(root)) return decodeCommit(block.bytes, `commit ${root}`).did
  }
  throw new CommandError(`${path} does not contain its root block ${root} (the commit)`)
}

export interface KeyResolution {
  /** The did:plc directory (operator's choice, so it may be on loopback). */
  plcUrl: string
  /** Admit did:web documents on loopback addresses (local networks); refused otherwise. */
  allowLoopback: boolean
}

const hint = 'give --key did:key:... to check against a known key, or --no-signature to skip the check'

/** The repo DID's current atproto signing key, as a did:key; a CommandError saying why not. */
export async function resolveSigningKey(did: string, opts: KeyResolution): Promise<string> {
  // The DID comes from the file, possibly someone else's: did:web hosts get the resolver's
  // SSRF-safe policy (public addresses only unless allowed).
  const resolver = new DidResolver({
    plcUrl: opts.plcUrl,
    webPolicy: opts.allowLoopback ? { allowLoopback: true } : undefined,
    cache: false,
  })
  let doc: Awaited<ReturnType<DidResolver['resolve']>>
  try {
    doc = await resolver.resolve(did)
  } catch (err) {
    if (!(err instanceof DidResolutionError)) throw err
    throw new CommandError(`cannot check the signature: ${err.message}; ${hint}`)
  }
  const where = did.startsWith('did:plc:') ? ` at ${resolver.plcUrl}` : ''
  if (!doc)
    throw new CommandError(
      `cannot check the signature: ${did} is not found${where} or is deactivated; ${hint}`,
    )
  const key = getAtprotoKey(doc)
  if (!key)
    throw new CommandError(
      `cannot check the signature: the DID document of ${did} has no atproto signing key; ${hint}`,
    )
  return key
}

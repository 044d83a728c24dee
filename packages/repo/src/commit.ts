// Commit objects, repository.md "Commit Objects": {did, version: 3, data, rev, prev, sig}, the
// signature being over the DAG-CBOR of the same object without `sig`.
import { type Keypair, type PublicKey, parsePublicKey } from '@welkin/crypto'
import { CID, cidForCbor, DAG_CBOR, type DataValue, decodeCbor, encodeCbor } from '@welkin/data'
import { isValidDid, isValidTid } from '@welkin/syntax'
import { InvalidCommitError } from './errors.js'

export interface UnsignedCommit {
  did: string
  version: 3
  data: CID
  rev: string
  prev: CID | null
}

export interface Commit extends UnsignedCommit {
  sig: Uint8Array
}

export function encodeUnsignedCommit(c: UnsignedCommit): Uint8Array {
  return encodeCbor({ did: c.did, version: c.version, data: c.data, rev: c.rev, prev: c.prev })
}

export function encodeCommit(c: Commit): Uint8Array {
  return encodeCbor({ did: c.did, version: c.version, data: c.data, rev: c.rev, prev: c.prev, sig: c.sig })
}

function ensureUnsigned(c: UnsignedCommit): void {
  if (!isValidDid(c.did))
    throw new InvalidCommitError(`commit did ${JSON.stringify(c.did)} is not a valid DID`)
  if (c.version !== 3) throw new InvalidCommitError(`commit version ${c.version} is not 3`)
  if (!isValidTid(c.rev)) throw new InvalidCommitError(`commit rev ${JSON.stringify(c.rev)} is not a TID`)
}

export async function signCommit(unsigned: UnsignedCommit, keypair: Keypair): Promise<Commit> {
  ensureUnsigned(unsigned)
  const sig = await keypair.sign(encodeUnsignedCommit(unsigned))
  return { did: unsigned.did, version: 3, data: unsigned.data, rev: unsigned.rev, prev: unsigned.prev, sig }
}

/** Checks the signature with a did:key or a parsed key; false when it does not verify. */
export function verifyCommitSignature(commit: Commit, key: string | PublicKey): boolean {
  const pub = typeof key === 'string' ? parsePublicKey(key) : key
  return pub.verifySync(encodeUnsignedCommit(commit), commit.sig)
}

const FIELDS = new Set(['did', 'version', 'data', 'rev', 'prev', 'sig'])

/** Validates a decoded commit object (any unknown field is refused: it would be unsigned). */
export function parseCommit(value: DataValue, where = 'commit'): Commit {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array) {
    throw new InvalidCommitError(`${where}: not a map`)
  }
  if (value instanceof CID) throw new InvalidCommitError(`${where}: not a map`)
  const o = value as { [key: string]: DataValue }
  for (const k in o) if (!FIELDS.has(k)) throw new InvalidCommitError(`${where}: unexpected field ${k}`)
  const { did, version, data, rev, prev, sig } = o
  if (typeof did !== 'string' || !isValidDid(did))
    throw new InvalidCommitError(`${where}: did is not a valid DID`)
  if (version !== 3) throw new InvalidCommitError(`${where}: version must be 3`)
  if (!(data instanceof CID) || data.version !== 1 || data.code !== DAG_CBOR) {
    throw new InvalidCommitError(`${where}: data must be a dag-cbor CID`)
  }
  if (typeof rev !== 'string' || !isValidTid(rev)) throw new InvalidCommitError(`${where}: rev is not a TID`)
  // repository.md: `prev` must be present in a v3 commit, though virtually always null.
  if (!('prev' in o)) throw new InvalidCommitError(`${where}: prev is missing`)
  if (prev !== null && !(prev instanceof CID && prev.version === 1 && prev.code === DAG_CBOR)) {
    throw new InvalidCommitError(`${where}: prev must be null or a dag-cbor CID`)
  }
  if (!(sig instanceof Uint8Array)) throw new InvalidCommitError(`${where}: sig must be bytes`)
  return { did, version: 3, data, rev, prev: prev as CID | null, sig }
}

export function decodeCommit(bytes: Uint8Array, where = 'commit'): Commit {
  let value: DataValue
  try {
    value = decodeCbor(bytes)
  } catch (err) {
    throw new InvalidCommitError(`${where}: undecodable (${(err as Error).message})`, { cause: err })
  }
  return parseCommit(value, where)
}

/** The block of a signed commit: its bytes and CID. */
export function commitBlock(commit: Commit): { cid: CID; bytes: Uint8Array } {
  const bytes = encodeCommit(commit)
  return { cid: cidForCbor(bytes), bytes }
}

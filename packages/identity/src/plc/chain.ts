// The operation-chain rules (did:plc spec, "Key Rotation & Account Recovery"): a new op must
// follow an op of the current chain via `prev` and be signed by one of that op's rotation keys;
// following an earlier op forks the chain and nullifies the later ops, which is allowed only to
// a key of higher priority (lower index) than the one that signed the first nullified op, and
// only within 72 hours of that op. Nothing may follow a tombstone except such a recovery.
import { sha256 } from '@welkin/crypto'
import { PlcOpError } from '../errors.js'
import { rotationPublicKey } from './keys.js'
import { didForGenesisDigest, normalizeOp } from './normalize.js'
import { type PreparedOp, preparePlcOp } from './parse.js'
import type { PlcOp } from './types.js'

export const RECOVERY_WINDOW_MS = 72 * 60 * 60 * 1000

const PLC_DID = /^did:plc:[a-z2-7]{24}$/

/** One op of a DID's stored history, nullified ones included. */
export interface ChainEntry {
  cid: string
  operation: PlcOp
  nullified: boolean
  /** ISO time the directory accepted the op. */
  createdAt: string
}

export interface AcceptedOp {
  prepared: PreparedOp
  /** CIDs of the ops this one nullifies (empty unless it forks the chain). */
  nullified: string[]
  /** The rotation key that signed it. */
  signer: string
}

export interface NextOpOptions {
  /** Milliseconds since the epoch to judge the recovery window at; defaults to now. */
  now?: number
}

export function isPlcDid(did: string): boolean {
  return PLC_DID.test(did)
}

/** The first of `keys` whose signature `op` carries, or undefined. */
function findSigner(keys: readonly string[], op: PreparedOp, allowMalleableSig = false): string | undefined {
  const digest = sha256(op.unsignedBytes)
  for (const key of keys) {
    if (rotationPublicKey(key).verifyDigestSync(digest, op.sig, { allowMalleableSig })) return key
  }
  return undefined
}

function requireSigner(keys: readonly string[], op: PreparedOp, who: string): string {
  const signer = findSigner(keys, op)
  if (signer) return signer
  // Explain a malleable signature apart from a wrong key: only on the failure path.
  const reason =
    keys.length > 0 && findSigner(keys, op, true)
      ? 'the signature is high-S; only low-S signatures are valid'
      : `it is not signed by ${who}`
  throw new PlcOpError('InvalidSignature', `invalid signature: ${reason}`)
}

function misordered(message: string): never {
  throw new PlcOpError('MisorderedOperation', message)
}

function rotationKeysOf(op: PlcOp): string[] {
  if (op.type === 'plc_tombstone') misordered('the DID is tombstoned; no operation may follow a tombstone')
  return normalizeOp(op).rotationKeys
}

function validateGenesis(did: string, op: PreparedOp): AcceptedOp {
  if (op.op.type === 'plc_tombstone')
    misordered(`${did} does not exist; its first operation cannot be a tombstone`)
  if (op.op.prev !== null) misordered(`${did} does not exist; a genesis operation must have prev: null`)
  const signer = requireSigner(normalizeOp(op.op).rotationKeys, op, 'one of its own rotation keys')
  const expected = didForGenesisDigest(op.digest)
  if (did !== expected) {
    throw new PlcOpError('GenesisHashMismatch', `the genesis operation hashes to ${expected}, not ${did}`)
  }
  return { prepared: op, nullified: [], signer }
}

/**
 * Decides whether `proposed` may be appended to `chain` (the DID's stored ops in order, with
 * nullified ones). Returns what to store; throws PlcOpError saying why not. Synchronous, so
 * a store can run it inside one database transaction.
 */
export function assureValidNextOp(
  did: string,
  chain: readonly ChainEntry[],
  proposed: unknown,
  opts: NextOpOptions = {},
): AcceptedOp {
  assertPlcDid(did)
  return assureValidNextPreparedOp(did, chain, preparePlcOp(proposed), opts)
}

export function assertPlcDid(did: string): void {
  if (!isPlcDid(did)) {
    throw new PlcOpError(
      'MalformedOperation',
      `${JSON.stringify(String(did).slice(0, 64))} is not a did:plc identifier`,
    )
  }
}

/** As assureValidNextOp, for an op already checked by preparePlcOp (a server does that before locking). */
export function assureValidNextPreparedOp(
  did: string,
  chain: readonly ChainEntry[],
  op: PreparedOp,
  opts: NextOpOptions = {},
): AcceptedOp {
  assertPlcDid(did)
  const active = chain.filter((e) => !e.nullified)
  if (active.length === 0) return validateGenesis(did, op)
  if (chain.some((e) => e.cid === op.cid)) misordered(`operation ${op.cid} is already in the log of ${did}`)

  const prev = op.op.prev
  if (prev === null) misordered(`${did} already exists; prev must name the operation this one follows`)
  const at = active.findIndex((e) => e.cid === prev)
  if (at < 0) {
    const dead = chain.some((e) => e.cid === prev)
    misordered(
      dead
        ? `prev ${prev} is a nullified operation`
        : `prev ${prev} is not an operation of ${did}; the latest is ${active[active.length - 1].cid}`,
    )
  }
  const keys = rotationKeysOf(active[at].operation)
  const nullified = active.slice(at + 1)
  if (nullified.length === 0) {
    return {
      prepared: op,
      nullified: [],
      signer: requireSigner(keys, op, 'a rotation key of the op it follows'),
    }
  }

  // A fork: the proposer must outrank whoever signed the first op it would erase.
  const disputed = preparePlcOp(nullified[0].operation)
  const disputedSigner = findSigner(keys, disputed)
  if (!disputedSigner) {
    throw new PlcOpError('InvalidSignature', `stored operation ${nullified[0].cid} has no valid signature`)
  }
  const stronger = keys.slice(0, keys.indexOf(disputedSigner))
  const signer = requireSigner(
    stronger,
    op,
    `a rotation key with higher priority than the one that signed ${nullified[0].cid} (which it would nullify)`,
  )
  const now = opts.now ?? Date.now()
  const lapsed = now - Date.parse(nullified[0].createdAt)
  if (!(lapsed <= RECOVERY_WINDOW_MS)) {
    throw new PlcOpError(
      'LateRecovery',
      `operation ${nullified[0].cid} was accepted ${(lapsed / 3_600_000).toFixed(1)} hours ago; ops can only be nullified within 72 hours`,
    )
  }
  return { prepared: op, nullified: nullified.map((e) => e.cid), signer }
}

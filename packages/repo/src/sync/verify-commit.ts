// Sync 1.1 verification of a firehose `#commit` event (sync.md "Message Validation Checklist").
import { type PublicKey, parsePublicKey } from '@welkin/crypto'
import { type BlockMap, CID, readCarSync, sha256Latin1 } from '@welkin/data'
import { type Commit, decodeCommit, encodeUnsignedCommit } from '../commit.js'
import { CommitVerificationError, InvalidCommitError, InvalidMstError, MissingBlockError } from '../errors.js'
import { nodeCid } from '../mst/codec.js'
import { mstKeyProblem } from '../mst/key.js'
import { MstNode } from '../mst/node.js'
import { readCommitBlock, unsignedBytes } from './commit-block.js'
import { invertOps, type RecordOp } from './invert.js'

export interface CommitEventOp {
  action: string
  path: string
  cid: CID | null
  prev?: CID | null
}

/** The fields of a `#commit` event that verification reads. */
export interface CommitEvent {
  repo: string
  rev: string
  since?: string | null
  commit: CID
  /** CAR slice: the commit, new and inversion-context MST nodes, new records. */
  blocks: Uint8Array
  ops: readonly CommitEventOp[]
  prevData?: CID | null
}

export interface VerifyCommitOptions {
  /** sync.md: `blocks` is at most 2,000,000 bytes. */
  maxBlocksBytes?: number
  /** sync.md: at most 200 record operations per commit. */
  maxOps?: number
  /** sync.md: a record block is at most 1,000,000 bytes. */
  maxBlockBytes?: number
  /**
   * Accept an event without `prevData` (a pre-Sync-1.1 producer) after every check but the
   * inversion. Without it such an event is refused, except a first commit (`since` null),
   * which must invert to the empty tree.
   */
  allowMissingPrevData?: boolean
}

export interface VerifiedCommit {
  did: string
  rev: string
  since: string | null
  cid: CID
  commit: Commit
  /** Root of the tree after the commit. */
  data: CID
  /** Root the inversion reached (the event's prevData), or null if not inverted. */
  prevData: CID | null
  ops: RecordOp[]
  blocks: BlockMap
}

const ACTIONS = new Set(['create', 'update', 'delete'])

// Parsing a did:key (and decompressing the point) costs about as much as a verification;
// callers passing strings get the last few hundred keys kept, least recently used dropped.
const KEY_CACHE_SIZE = 512
const keyCache = new Map<string, PublicKey>()
function cachedKey(didKey: string): PublicKey {
  let key = keyCache.get(didKey)
  if (key !== undefined) {
    keyCache.delete(didKey)
  } else {
    key = parsePublicKey(didKey)
    if (keyCache.size >= KEY_CACHE_SIZE) keyCache.delete(keyCache.keys().next().value!)
  }
  keyCache.set(didKey, key)
  return key
}

function fail(reason: CommitVerificationError['reason'], msg: string, cause?: unknown): never {
  throw new CommitVerificationError(reason, msg, cause === undefined ? undefined : { cause })
}

// The tree of an empty repo (one node without entries): what a first commit inverts to.
let emptyTreeCid: CID | undefined
function emptyRoot(): CID {
  emptyTreeCid ??= nodeCid(MstNode.empty())
  return emptyTreeCid
}

/**
 * A k256 key is given the digest (libsecp256k1 verifies digests, and our SHA-256 skips a Buffer
 * per call); P-256 under node:crypto hashes for itself, so it gets the bytes.
 */
function signatureValid(pub: PublicKey, unsigned: Uint8Array, sig: Uint8Array): boolean {
  if (pub.jwtAlg !== 'ES256K') return pub.verifySync(unsigned, sig)
  const latin1 = sha256Latin1(unsigned)
  const digest = new Uint8Array(32)
  for (let i = 0; i < 32; i++) digest[i] = latin1.charCodeAt(i)
  return pub.verifyDigestSync(digest, sig)
}

function checkOps(ops: readonly CommitEventOp[], blocks: BlockMap): RecordOp[] {
  const seen = new Set<string>()
  const out: RecordOp[] = new Array(ops.length)
  for (let i = 0; i < ops.length; i++) {
    const { action, path, cid, prev } = ops[i]
    if (!ACTIONS.has(action)) fail('bad-op', `op ${i}: unknown action ${JSON.stringify(action)}`)
    const problem = typeof path === 'string' ? mstKeyProblem(path) : 'not a string'
    if (problem !== undefined) fail('bad-op', `op ${i}: bad path: ${problem}`)
    if (seen.has(path)) fail('bad-op', `op ${i}: path ${path} appears twice`)
    seen.add(path)
    const hasCid = cid instanceof CID
    const hasPrev = prev instanceof CID
    if (action === 'delete' ? cid != null : !hasCid) {
      fail('bad-op', `op ${i}: ${action} ${path} ${hasCid ? 'has a cid' : 'lacks a cid'}`)
    }
    if (action === 'update' && !hasPrev) fail('bad-op', `op ${i}: update ${path} lacks prev (Sync 1.1)`)
    if (action === 'create' && prev != null) fail('bad-op', `op ${i}: create ${path} has a prev`)
    if (action === 'delete' && !hasPrev) fail('bad-op', `op ${i}: delete ${path} lacks prev (Sync 1.1)`)
    if (hasCid && !blocks.has(cid))
      fail('missing-block', `op ${i}: record ${cid} of ${path} is not in the slice`)
    out[i] = { action: action as RecordOp['action'], path, cid, prev: hasPrev ? prev : null }
  }
  return out
}

/**
 * Verifies a `#commit` event against the signing key of its repo: the slice's commit block,
 * its DID, rev and signature, the ops against the commit's tree, and — by inverting the ops on
 * the partial tree of the slice — that the previous tree was `prevData`. Throws
 * CommitVerificationError (with a `reason`) on any failure. Checks that need state kept across
 * events (rev ordering, `since`/`prevData` against the last commit seen, future revs) are the
 * caller's. A did:key string is parsed once and kept in a small LRU cache.
 */
export function verifyCommitEvent(
  evt: CommitEvent,
  key: PublicKey | string,
  opts: VerifyCommitOptions = {},
): VerifiedCommit {
  const maxBytes = opts.maxBlocksBytes ?? 2_000_000
  if (evt.blocks.length > maxBytes) fail('too-big', `blocks is ${evt.blocks.length} bytes, over ${maxBytes}`)
  if (evt.ops.length > (opts.maxOps ?? 200))
    fail('too-big', `${evt.ops.length} ops, over ${opts.maxOps ?? 200}`)
  let roots: CID[]
  let blocks: BlockMap
  try {
    ;({ roots, blocks } = readCarSync(evt.blocks, {
      maxTotalBytes: maxBytes,
      maxBlockBytes: opts.maxBlockBytes ?? 1_000_000,
    }))
  } catch (err) {
    fail('bad-car', (err as Error).message, err)
  }
  if (roots.length === 0 || !roots[0].equals(evt.commit)) {
    fail('commit-mismatch', `the slice's first root is not the event's commit ${evt.commit}`)
  }
  const commitBytes = blocks.get(evt.commit)
  if (!commitBytes) fail('missing-block', `commit block ${evt.commit} is not in the slice`)
  const block = readCommitBlock(commitBytes)
  let commit: Commit
  if (block !== null) commit = block.commit
  else {
    try {
      commit = decodeCommit(commitBytes, `commit ${evt.commit}`)
    } catch (err) {
      if (err instanceof InvalidCommitError) fail('bad-commit', err.message, err)
      throw err
    }
  }
  if (commit.did !== evt.repo) fail('did-mismatch', `commit is for ${commit.did}, event for ${evt.repo}`)
  if (commit.rev !== evt.rev) fail('rev-mismatch', `commit rev ${commit.rev}, event rev ${evt.rev}`)
  const pub = typeof key === 'string' ? cachedKey(key) : key
  const unsigned = block !== null ? unsignedBytes(commitBytes, block) : encodeUnsignedCommit(commit)
  if (!signatureValid(pub, unsigned, commit.sig)) {
    fail('bad-signature', `commit ${evt.commit} is not signed by ${evt.repo}'s key`)
  }
  const ops = checkOps(evt.ops, blocks)

  let expected: CID | null = evt.prevData ?? null
  if (expected === null) {
    if (evt.since == null) expected = emptyRoot()
    else if (!opts.allowMissingPrevData) fail('missing-prev-data', 'event has no prevData to invert to')
  }
  if (expected !== null) {
    let got: CID
    try {
      got = invertOps(blocks, commit.data, ops)
    } catch (err) {
      if (err instanceof MissingBlockError) fail('missing-block', `inversion needs ${err.message}`, err)
      if (err instanceof InvalidMstError) fail('bad-mst', err.message, err)
      throw err
    }
    if (!got.equals(expected)) {
      fail('inversion-mismatch', `inverted ops give tree ${got}, expected prevData ${expected}`)
    }
  }
  return {
    did: commit.did,
    rev: commit.rev,
    since: evt.since ?? null,
    cid: evt.commit,
    commit,
    data: commit.data,
    prevData: expected,
    ops,
    blocks,
  }
}

// Whole-repo CAR checks for `welkin repo verify` / `inspect` / `export`.
import type { PublicKey } from '@welkin/crypto'
import { type BlockMap, type CarLimits, type CID, type DataValue, decodeCbor, readCar } from '@welkin/data'
import { type Commit, decodeCommit, verifyCommitSignature } from './commit.js'
import { InvalidCommitError, MissingBlockError, RepoError } from './errors.js'
import { walkTree } from './mst/walk.js'

export interface RepoCarInfo {
  did: string
  rev: string
  /** CID of the commit (the CAR's first root). */
  commit: CID
  /** Root of the record tree. */
  data: CID
  recordCount: number
  /** Records per collection, collections sorted. */
  collections: Record<string, number>
  mstNodeCount: number
}

export interface RepoRecord {
  collection: string
  rkey: string
  cid: CID
  value: DataValue
}

async function load(car: Uint8Array | AsyncIterable<Uint8Array>, limits?: CarLimits) {
  const { roots, blocks } = await readCar(car, limits)
  if (roots.length === 0) throw new RepoError('repo CAR has no root')
  const root = roots[0]
  const bytes = blocks.get(root)
  if (!bytes) throw new MissingBlockError(root, 'commit')
  return { root, commit: decodeCommit(bytes, `commit ${root}`), blocks }
}

function split(key: string): [string, string] {
  const i = key.indexOf('/')
  return [key.slice(0, i), key.slice(i + 1)]
}

async function survey(
  root: CID,
  commit: Commit,
  blocks: BlockMap,
  decodeRecords: boolean,
): Promise<RepoCarInfo> {
  const counts = new Map<string, number>()
  let recordCount = 0
  let mstNodeCount = 0
  const store = { getBytes: (cid: CID) => blocks.get(cid) ?? null }
  for await (const item of walkTree(store, commit.data, { checkLayers: true })) {
    if (item.type === 'node') {
      mstNodeCount++
      continue
    }
    recordCount++
    const [collection] = split(item.key)
    counts.set(collection, (counts.get(collection) ?? 0) + 1)
    if (decodeRecords) {
      const bytes = blocks.get(item.cid)
      if (!bytes) throw new MissingBlockError(item.cid, `record ${item.key}`)
      const value = decodeCbor(bytes)
      if (
        value === null ||
        typeof value !== 'object' ||
        Array.isArray(value) ||
        value instanceof Uint8Array
      ) {
        throw new RepoError(`record ${item.key} (${item.cid}) is not a map`)
      }
    }
  }
  const collections: Record<string, number> = {}
  for (const name of [...counts.keys()].sort()) collections[name] = counts.get(name)!
  return {
    did: commit.did,
    rev: commit.rev,
    commit: root,
    data: commit.data,
    recordCount,
    collections,
    mstNodeCount,
  }
}

/**
 * Full check of a repo export: every block's hash (by the CAR reader), the commit's fields and
 * (given a key) signature and DID, the complete MST structure (key syntax and order, layers,
 * canonical empty-node rules, prefix compression, subtree ranges, node limits), and that every
 * record is present and decodes to a map. Throws the first problem found (a RepoError subclass,
 * or the CAR reader's CarError).
 */
export async function verifyRepoCar(
  car: Uint8Array | AsyncIterable<Uint8Array>,
  opts: { did?: string; key?: PublicKey | string; limits?: CarLimits } = {},
): Promise<RepoCarInfo> {
  const { root, commit, blocks } = await load(car, opts.limits)
  if (opts.did !== undefined && commit.did !== opts.did) {
    throw new InvalidCommitError(`commit is for ${commit.did}, expected ${opts.did}`)
  }
  if (opts.key !== undefined && !verifyCommitSignature(commit, opts.key)) {
    throw new InvalidCommitError(`commit ${root} signature does not verify`)
  }
  return survey(root, commit, blocks, true)
}

/** DID, rev, commit and record counts of a repo CAR (the tree is checked, records are not read). */
export async function inspectRepoCar(
  car: Uint8Array | AsyncIterable<Uint8Array>,
  opts: { limits?: CarLimits } = {},
): Promise<RepoCarInfo> {
  const { root, commit, blocks } = await load(car, opts.limits)
  return survey(root, commit, blocks, false)
}

/** Every record of a repo CAR in path order, decoded (for export). */
export async function* readRepoRecords(
  car: Uint8Array | AsyncIterable<Uint8Array>,
  opts: { limits?: CarLimits } = {},
): AsyncGenerator<RepoRecord> {
  const { commit, blocks } = await load(car, opts.limits)
  const store = { getBytes: (cid: CID) => blocks.get(cid) ?? null }
  for await (const item of walkTree(store, commit.data, { checkLayers: true })) {
    if (item.type !== 'leaf') continue
    const bytes = blocks.get(item.cid)
    if (!bytes) throw new MissingBlockError(item.cid, `record ${item.key}`)
    const [collection, rkey] = split(item.key)
    yield { collection, rkey, cid: item.cid, value: decodeCbor(bytes) }
  }
}

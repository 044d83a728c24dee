// @welkin/repo — atproto repositories (repository.md, sync.md): the Merkle Search Tree, signed
// v3 commits, repos with write batches, tree diffs, record proofs, CAR export and whole-repo
// verification, and Sync 1.1 verification of firehose `#commit` events by operation inversion.

export { MemoryBlockstore, type ReadableBlockstore, type RepoBlockstore } from './blockstore.js'
export { exportDiffCar, exportRepoCar, repoBlocks } from './car-export.js'
export {
  type Commit,
  commitBlock,
  decodeCommit,
  encodeCommit,
  encodeUnsignedCommit,
  parseCommit,
  signCommit,
  type UnsignedCommit,
  verifyCommitSignature,
} from './commit.js'
export {
  CommitVerificationError,
  type CommitVerificationReason,
  InvalidCommitError,
  InvalidMstError,
  InvalidMstKeyError,
  InvalidProofError,
  InvalidWriteError,
  MissingBlockError,
  RepoError,
} from './errors.js'
export { DEFAULT_MAX_NODE_ENTRIES } from './mst/codec.js'
export { diffTrees, type TreeDiff } from './mst/diff.js'
export {
  commonPrefixLength,
  ensureValidMstKey,
  isValidMstKey,
  leadingZerosOnHash,
  MAX_MST_KEY_LENGTH,
} from './mst/key.js'
export type { MstOptions } from './mst/loader.js'
export { type ListOptions, MST, type MstEntry } from './mst/mst.js'
export type { WalkItem } from './mst/walk.js'
export { getRecordProof, type ProvenRecord, type RecordProof, verifyRecordProof } from './proof.js'
export { type CommitData, type CommitOptions, Repo } from './repo.js'
export { commitEventFields } from './sync/event.js'
export { invertOps, type OpAction, type RecordOp } from './sync/invert.js'
export { addInversionNodes } from './sync/slice.js'
export {
  type CommitEvent,
  type CommitEventOp,
  type VerifiedCommit,
  type VerifyCommitOptions,
  verifyCommitEvent,
} from './sync/verify-commit.js'
export {
  inspectRepoCar,
  type RepoCarInfo,
  type RepoRecord,
  readRepoRecords,
  verifyRepoCar,
} from './verify-car.js'
export type { RecordWrite, WriteAction } from './writes.js'

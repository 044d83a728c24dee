// @welkin/graph: the mesh's shared graph, as a pure CRDT with no I/O. Souls hold properties
// (null, boolean, finite number, string, or a link to another soul); every replica merges
// updates per property with HAM under a hybrid logical clock and ends in the same state in
// any delivery order. Souls under `~did:key:…` only take updates signed by that key. Also: an
// OR-Set mapped onto souls, the DAG-CBOR wire form, and the storage interface.
export {
  type Clock,
  COUNTER_SLOTS,
  Hlc,
  isValidState,
  ManualClock,
  stateFromWall,
  systemClock,
  wallOfState,
} from './clock.js'
export { compareKeys, compareStrings, type EntryKey, GraphEntry, type Update } from './entry.js'
export { entryHash } from './entry-hash.js'
export {
  ClockError,
  DeferQueueFullError,
  FutureStateError,
  GraphError,
  type GraphErrorCode,
  InvalidUpdateError,
  SignatureError,
  WireFormatError,
} from './errors.js'
export {
  Graph,
  type GraphOptions,
  type GraphStats,
  type MergeResult,
  type PutOptions,
  type Rejection,
} from './graph.js'
export { hamCompare, type Versioned } from './ham.js'
export { DEFAULT_LIMITS, type GraphLimits } from './limits.js'
export { OR_SET_TAG_PREFIX, OrSet } from './or-set.js'
export {
  type AsyncSigner,
  DidKeyVerifier,
  SIGNATURE_DOMAIN,
  type SignatureVerifier,
  type SyncSigner,
  signingPayload,
  signUpdate,
  signUpdateSync,
} from './signing.js'
export { checkProp, checkSoul, isUserSpace, userSoul, userSpaceOwner } from './soul.js'
export { type Awaitable, type GraphStore, type IterateOptions, MemoryGraphStore } from './store.js'
export type { BatchListener, EntryListener, SubscriptionTarget } from './subscriptions.js'
export { isLink, type Link, lexical, link, normalizeValue, type Value } from './value.js'
export {
  type DecodeOptions,
  decodeUpdates,
  encodeUpdates,
  updateFromData,
  updateToData,
  valueFromData,
  valueToData,
} from './wire.js'

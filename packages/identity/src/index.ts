// @welkin/identity: who an account is. did:plc operations (create, sign, validate, chain and
// recovery rules), DID documents and their atproto fields, and resolution of DIDs (plc, web)
// and handles (DNS TXT, HTTPS) with bidirectional checks, caching, and an SSRF-safe fetch.

export type {
  AtprotoIdentityData,
  DidDocument,
  DidService,
  VerificationMethod,
} from './did-document.js'
export {
  getAtprotoData,
  getAtprotoKey,
  getHandle,
  getPdsEndpoint,
  getServiceEndpoint,
  getVerificationKey,
  isServiceOrigin,
  parseDidDocument,
} from './did-document.js'
export {
  DidDocumentError,
  DidResolutionError,
  FetchError,
  HandleResolutionError,
  IdentityError,
  PlcOpError,
  type PlcOpErrorCode,
  UnsafeUrlError,
} from './errors.js'
export { base64urlDecodeStrict, base64urlEncode } from './plc/base64url.js'
export {
  type AcceptedOp,
  assertPlcDid,
  assureValidNextOp,
  assureValidNextPreparedOp,
  type ChainEntry,
  isPlcDid,
  type NextOpOptions,
  RECOVERY_WINDOW_MS,
} from './plc/chain.js'
export {
  cidForOp,
  createGenesisOp,
  createLegacyCreateOp,
  createTombstoneOp,
  createUpdateOp,
  didForGenesisOp,
  type GenesisOptions,
  type PlcOpFields,
  signPlcOp,
  updateAtprotoKeyOp,
  updateHandleOp,
  updatePdsOp,
  updateRotationKeysOp,
} from './plc/create.js'
export { formatDidDocument } from './plc/document.js'
export { type AuditEntry, validateAuditLog, validateOpLog } from './plc/log.js'
export { ATPROTO_PDS_TYPE, normalizeOp, opToData } from './plc/normalize.js'
export {
  decodePlcSig,
  MAX_OP_BYTES,
  MAX_ROTATION_KEYS,
  MAX_VERIFICATION_METHODS,
  type PreparedOp,
  parsePlcOpShape,
  preparePlcOp,
} from './plc/parse.js'
export type {
  IndexedPlcOp,
  LegacyCreateOp,
  PlcDocumentData,
  PlcOp,
  PlcOperation,
  PlcService,
  PlcTombstone,
  UnsignedLegacyCreateOp,
  UnsignedPlcOp,
  UnsignedPlcOperation,
  UnsignedPlcTombstone,
} from './plc/types.js'
export { type CacheLookup, type CacheOptions, SwrCache } from './resolve/cache.js'
export {
  DEFAULT_PLC_URL,
  DidResolver,
  type DidResolverOptions,
  type ResolveOptions,
  webDocUrl,
} from './resolve/did-resolver.js'
export { checkHandle, HandleResolver, type HandleResolverOptions } from './resolve/handle-resolver.js'
export {
  IdentityResolver,
  type IdentityResolverOptions,
  type ResolvedIdentity,
} from './resolve/identity-resolver.js'
export {
  type AddressClass,
  type AddressPolicy,
  addressRefusal,
  classifyAddress,
} from './resolve/ip-ranges.js'
export { type SafeFetchOptions, type SafeResponse, safeFetch } from './resolve/safe-fetch.js'

// @welkin/syntax: the AT Protocol's identifier and string-format syntax — DIDs, handles, NSIDs,
// AT URIs, TIDs (and their generation), record keys, and the lexicon datetime, language, uri,
// cid and at-identifier formats. Pure functions with no I/O: `isValidX` answers yes/no without
// throwing, `ensureValidX` / `parseX` throw a typed InvalidSyntaxError saying what is wrong.

export { ensureValidAtIdentifier, isValidAtIdentifier } from './at-identifier.js'
export { AtUri, ensureValidAtUri, isValidAtUri, MAX_AT_URI_LENGTH } from './at-uri.js'
export { ensureValidCidString, isValidCidString } from './cid-string.js'
export {
  currentDatetime,
  ensureValidDatetime,
  isValidDatetime,
  normalizeDatetime,
  type ParsedDatetime,
  parseDatetime,
} from './datetime.js'
export { ensureValidDid, isValidDid, MAX_DID_LENGTH, type ParsedDid, parseDid } from './did.js'
export {
  InvalidAtUriError,
  InvalidCidStringError,
  InvalidDatetimeError,
  InvalidDidError,
  InvalidHandleError,
  InvalidLanguageError,
  InvalidNsidError,
  InvalidRecordKeyError,
  InvalidSyntaxError,
  InvalidTidError,
  InvalidUriError,
} from './errors.js'
export {
  DISALLOWED_TLDS,
  ensureValidHandle,
  hasDisallowedTld,
  INVALID_HANDLE,
  isValidHandle,
  MAX_HANDLE_LENGTH,
  normalizeAndEnsureValidHandle,
  normalizeHandle,
} from './handle.js'
export { ensureValidLanguage, isValidLanguage, type LanguageTag, parseLanguage } from './language.js'
export {
  ensureValidNsid,
  formatNsid,
  isValidNsid,
  isValidNsidGlob,
  MAX_NSID_LENGTH,
  type ParsedNsid,
  parseNsid,
} from './nsid.js'
export { ensureValidRecordKey, isValidRecordKey, MAX_RECORD_KEY_LENGTH } from './record-key.js'
export {
  compareTids,
  ensureValidTid,
  isValidTid,
  MAX_CLOCK_ID,
  TID_LENGTH,
  tidClockId,
  tidFromTime,
  tidTimestamp,
} from './tid.js'
export { nextTid, TidClock, type TidClockOptions } from './tid-clock.js'
export { ensureValidUri, isValidUri, MAX_URI_BYTES } from './uri.js'

// Checks a record before it is written (repository.md, lexicon.md "Record Validation"): the
// record is a map whose `$type` is its collection, its key fits the collection's key type, and
// it validates against the collection's lexicon. `validate`: true requires a known lexicon,
// undefined validates when the lexicon is known, false skips the lexicon (the data-model rules
// and the `$type` still hold).
import type { DataObject, DataValue } from '@welkin/data'
import { isDataObject } from '@welkin/data'
import { LexiconError, type Lexicons, type LexRecord } from '@welkin/lexicon'
import { isValidDatetime, isValidRecordKey, nextTid } from '@welkin/syntax'
import { InvalidRequestError } from '@welkin/xrpc'

export type ValidationStatus = 'valid' | 'unknown'

export interface PreparedRecord {
  rkey: string
  record: DataObject
  /** Absent when validation was skipped (`validate: false`). */
  validationStatus?: ValidationStatus
}

/** The collection's record definition, null when no lexicon is known; a 400 if it is no record type. */
function recordDef(lexicons: Lexicons, collection: string): LexRecord | null {
  const main = lexicons.get(collection)?.defs.main
  if (main === undefined) return null
  if (main.type !== 'record')
    throw new InvalidRequestError(`${collection} is a ${main.type}, not a record type`)
  return main as LexRecord
}

/** The key a create gets when the client names none: the literal of a `literal:` key type, else a TID. */
function defaultRkey(def: LexRecord | null): string {
  const key = def?.key
  return key?.startsWith('literal:') ? key.slice('literal:'.length) : nextTid()
}

export function prepareRecord(
  lexicons: Lexicons,
  collection: string,
  rkey: string | undefined,
  value: DataValue | undefined,
  validate: boolean | undefined,
): PreparedRecord {
  if (!isDataObject(value) || value.$type === 'blob') {
    throw new InvalidRequestError(`Invalid ${collection} record: must be an object`)
  }
  const record = value
  if (record.$type === undefined) record.$type = collection
  else if (record.$type !== collection) {
    throw new InvalidRequestError(
      `Invalid $type: expected ${collection}, got ${JSON.stringify(record.$type)}`,
    )
  }
  const def = validate === false ? null : recordDef(lexicons, collection)
  const key = rkey ?? defaultRkey(def)
  if (!isValidRecordKey(key)) throw new InvalidRequestError(`Invalid record key: ${JSON.stringify(key)}`)
  if (validate === false) return { rkey: key, record }
  if (def === null) {
    if (validate === true) throw new InvalidRequestError(`Lexicon not found: ${collection}`)
    return { rkey: key, record, validationStatus: 'unknown' }
  }
  try {
    lexicons.assertValidRecord(collection, record, { rkey: key })
  } catch (err) {
    if (err instanceof LexiconError)
      throw new InvalidRequestError(`Invalid ${collection} record: ${err.message}`)
    throw err
  }
  // As the official PDS does for known lexicons: a `createdAt` must be a valid datetime.
  if (typeof record.createdAt === 'string' && !isValidDatetime(record.createdAt)) {
    throw new InvalidRequestError(`Invalid ${collection} record: createdAt must be a valid datetime`)
  }
  return { rkey: key, record, validationStatus: 'valid' }
}

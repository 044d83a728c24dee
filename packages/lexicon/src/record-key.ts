import { isValidNsid, isValidRecordKey, isValidTid } from '@welkin/syntax'
import { ValidationError } from './errors.js'

/** record-key.md: a key must fit its collection's key type and the general record-key syntax. */
export function checkRecordKey(keyType: string, rkey: string): void {
  const fail = (reason: string) => {
    throw new ValidationError('Record key', `"${rkey}" ${reason}`)
  }
  if (!isValidRecordKey(rkey)) fail('is not a valid record key')
  if (keyType === 'tid') {
    if (!isValidTid(rkey)) fail('must be a TID')
  } else if (keyType === 'nsid') {
    if (!isValidNsid(rkey)) fail('must be an NSID')
  } else if (keyType.startsWith('literal:')) {
    const literal = keyType.slice('literal:'.length)
    if (rkey !== literal) fail(`must be "${literal}"`)
  }
}

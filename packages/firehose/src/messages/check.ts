// Field checks shared by the message parsers; each throws InvalidMessageError naming the field.
import { CID, type DataObject, type DataValue } from '@welkin/data'
import { isValidDatetime, isValidDid, isValidTid } from '@welkin/syntax'
import { InvalidMessageError } from '../errors.js'
import { ValidCache } from './valid-cache.js'

const dids = new ValidCache(isValidDid, 16_384)

export class FieldChecker {
  constructor(
    readonly type: string,
    readonly body: DataObject,
  ) {}

  fail(path: string, problem: string): never {
    throw new InvalidMessageError(this.type, path, problem)
  }

  /** event-stream.md "Sequence Numbers": positive, below 2^53. */
  seq(): number {
    const v = this.body.seq
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1)
      this.fail('seq', 'must be a positive integer')
    return v
  }

  string(key: string, v: DataValue | undefined = this.body[key]): string {
    if (typeof v !== 'string') this.fail(key, v === undefined ? 'missing' : 'must be a string')
    return v
  }

  optionalString(key: string): string | undefined {
    const v = this.body[key]
    return v === undefined ? undefined : this.string(key, v)
  }

  boolean(key: string): boolean {
    const v = this.body[key]
    if (typeof v !== 'boolean') this.fail(key, v === undefined ? 'missing' : 'must be a boolean')
    return v
  }

  /** A deprecated boolean: absent is read as false, present must be a boolean. */
  deprecatedBoolean(key: string): boolean {
    return this.body[key] === undefined ? false : this.boolean(key)
  }

  did(key: string): string {
    const v = this.string(key)
    if (!dids.isValid(v)) this.fail(key, `invalid DID ${JSON.stringify(String(v).slice(0, 64))}`)
    return v
  }

  tid(key: string): string {
    const v = this.string(key)
    if (!isValidTid(v)) this.fail(key, `invalid TID ${JSON.stringify(String(v).slice(0, 32))}`)
    return v
  }

  datetime(key: string): string {
    const v = this.string(key)
    if (!isValidDatetime(v)) this.fail(key, `invalid datetime ${JSON.stringify(String(v).slice(0, 64))}`)
    return v
  }

  cid(key: string, v: DataValue | undefined = this.body[key]): CID {
    if (!(v instanceof CID)) this.fail(key, v === undefined ? 'missing' : 'must be a CID link')
    return v
  }

  bytes(key: string, max: number): Uint8Array {
    const v = this.body[key]
    if (!(v instanceof Uint8Array)) this.fail(key, v === undefined ? 'missing' : 'must be bytes')
    if (v.length > max) this.fail(key, `${v.length} bytes, limit ${max}`)
    return v
  }

  array(key: string, max: number): DataValue[] {
    const v = this.body[key]
    if (!Array.isArray(v)) this.fail(key, v === undefined ? 'missing' : 'must be an array')
    if (v.length > max) this.fail(key, `${v.length} entries, limit ${max}`)
    return v
  }
}

// The data package reports schema-free data problems (floats, malformed blobs, bad `$type`) as
// InvalidDataError with its own path; here they become ValidationErrors on the lexicon path.
import { ensureValidData, InvalidDataError } from '@welkin/data'
import { ValidationError } from '../errors.js'

function reasonOf(err: InvalidDataError): string {
  const cut = err.message.indexOf(' at $')
  return cut === -1 ? err.message : err.message.slice(0, cut)
}

/** Throws a ValidationError at `path` (plus the data's own sub-path) unless `value` is atproto data. */
export function assertData(value: unknown, path: string): void {
  try {
    ensureValidData(value)
  } catch (err) {
    if (!(err instanceof InvalidDataError)) throw err
    const where = err.path.length === 0 ? path : `${path}/${err.path.join('/')}`
    throw new ValidationError(where, reasonOf(err))
  }
}

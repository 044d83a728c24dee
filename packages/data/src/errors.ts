import { type DataPath, formatPath } from './path.js'

// Typed errors for the data model. Everything this package throws on bad input is a DataError,
// so callers can tell malformed data from their own bugs with one instanceof check.

export class DataError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
  }
}

/** A CBOR byte string that is not strict DAG-CBOR as atproto requires; `offset` is where it went wrong. */
export class CborDecodeError extends DataError {
  readonly offset: number
  constructor(message: string, offset: number, options?: { cause?: unknown }) {
    super(`${message} (at byte ${offset})`, options)
    this.offset = offset
  }
}

/** A value that has no DAG-CBOR encoding in the atproto data model; `path` locates it from the root. */
export class CborEncodeError extends DataError {
  readonly reason: string
  path: (string | number)[] = []
  constructor(reason: string) {
    super(reason)
    this.reason = reason
  }
}

export class CidError extends DataError {}

/** A CAR file or stream that is malformed, over a limit, or carries a block not matching its CID. */
export class CarError extends DataError {
  readonly offset: number | undefined
  constructor(message: string, offset?: number, options?: { cause?: unknown }) {
    super(offset === undefined ? message : `${message} (at byte ${offset})`, options)
    this.offset = offset
  }
}

/** A JavaScript or JSON value that is not valid atproto data; `path` locates the problem. */
export class InvalidDataError extends DataError {
  readonly path: DataPath
  constructor(reason: string, path: DataPath) {
    super(`${reason} at ${formatPath(path)}`)
    this.path = path
  }
}

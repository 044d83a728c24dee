/** Base class of every error thrown by @welkin/lexicon. */
export class LexiconError extends Error {
  override name = 'LexiconError'
}

/**
 * A lexicon document breaks the schema language (lexicon.md, "Lexicon Files"). `path` locates
 * the offending field, e.g. `defs/main/record/properties/text/maxLength`.
 */
export class LexiconDocError extends LexiconError {
  override name = 'LexiconDocError'
  constructor(
    readonly path: string,
    readonly reason: string,
    readonly lexiconId?: string,
  ) {
    super(`${lexiconId ? `${lexiconId}: ` : ''}${path ? `${path}: ` : ''}${reason}`)
  }
}

/** No loaded lexicon defines the NSID or reference that was asked for. */
export class LexiconNotFoundError extends LexiconError {
  override name = 'LexiconNotFoundError'
  constructor(readonly ref: string) {
    super(`lexicon not found: ${ref}`)
  }
}

/** The definition exists but is of another kind than the operation needs (a query used as a record...). */
export class LexiconDefTypeError extends LexiconError {
  override name = 'LexiconDefTypeError'
  constructor(
    readonly ref: string,
    readonly actual: string,
    readonly expected: readonly string[],
  ) {
    super(`${ref} is a ${actual}, expected ${expected.join(' or ')}`)
  }
}

/**
 * Data does not conform to its schema. `path` names the offending value from the root of what was
 * validated, e.g. `Record/embed/images/0/alt`; the message starts with that path.
 */
export class ValidationError extends LexiconError {
  override name = 'ValidationError'
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path} ${reason}`)
  }
}

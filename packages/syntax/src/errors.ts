// One error class per identifier kind, all under InvalidSyntaxError, so callers can catch
// "any bad identifier" at an XRPC edge (-> 400 InvalidRequest) or one kind in particular.

export class InvalidSyntaxError extends Error {
  override name = 'InvalidSyntaxError'
}

export class InvalidDidError extends InvalidSyntaxError {
  override name = 'InvalidDidError'
}

export class InvalidHandleError extends InvalidSyntaxError {
  override name = 'InvalidHandleError'
}

export class InvalidNsidError extends InvalidSyntaxError {
  override name = 'InvalidNsidError'
}

export class InvalidAtUriError extends InvalidSyntaxError {
  override name = 'InvalidAtUriError'
}

export class InvalidTidError extends InvalidSyntaxError {
  override name = 'InvalidTidError'
}

export class InvalidRecordKeyError extends InvalidSyntaxError {
  override name = 'InvalidRecordKeyError'
}

export class InvalidDatetimeError extends InvalidSyntaxError {
  override name = 'InvalidDatetimeError'
}

export class InvalidLanguageError extends InvalidSyntaxError {
  override name = 'InvalidLanguageError'
}

export class InvalidCidStringError extends InvalidSyntaxError {
  override name = 'InvalidCidStringError'
}

export class InvalidUriError extends InvalidSyntaxError {
  override name = 'InvalidUriError'
}

// Typed errors of the relay, one family per pipeline stage, so a failure says which stage
// refused what. Everything the relay throws on purpose is a RelayError.

export class RelayError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
  }
}

/** A configuration value (environment variable or flag) is missing or malformed. */
export class RelayConfigError extends RelayError {
  readonly variable: string
  constructor(variable: string, problem: string) {
    super(`${variable}: ${problem}`)
    this.variable = variable
  }
}

/** A hostname offered for crawling is malformed, refused by policy, banned or unreachable. */
export class HostError extends RelayError {
  readonly code: 'InvalidHostname' | 'HostBanned' | 'HostUnreachable' | 'HostNotFound' | 'HostLimit'
  constructor(code: HostError['code'], message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}

/** The on-disk event log is unusable: unreadable segment, bad record, out-of-order append. */
export class EventLogError extends RelayError {}

/** The relay's SQLite state could not be opened or written. */
export class StateStoreError extends RelayError {}

/** The verification worker pool failed (a worker crashed or was misused). */
export class VerifierError extends RelayError {}

/** The archive (full-repo CAR store) could not backfill or serve a repository. */
export class ArchiveError extends RelayError {}

// The lexicon `at-identifier` format: a DID or a handle. A DID always starts with "did:" and a
// handle can never hold ":", so the prefix alone says which rules apply.
import { notAString } from './chars.js'
import { didProblem } from './did.js'
import { InvalidDidError, InvalidHandleError, InvalidSyntaxError } from './errors.js'
import { handleProblem } from './handle.js'

/** Why `s` is not an at-identifier, or null when it is one. */
export function atIdentifierProblem(s: string): string | null {
  return s.startsWith('did:') ? didProblem(s) : handleProblem(s)
}

export function isValidAtIdentifier(s: unknown): s is string {
  return typeof s === 'string' && atIdentifierProblem(s) === null
}

/** Throws InvalidDidError for a `did:` value, InvalidHandleError for anything else. */
export function ensureValidAtIdentifier(s: unknown): asserts s is string {
  if (typeof s !== 'string') throw new InvalidSyntaxError(notAString('at-identifier', s))
  const problem = atIdentifierProblem(s)
  if (problem === null) return
  throw s.startsWith('did:') ? new InvalidDidError(problem) : new InvalidHandleError(problem)
}

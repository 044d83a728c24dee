// Relay errors at the XRPC edge: lexicon error names with a 400, never a 500 for bad input.
import { InvalidRequestError, RateLimitExceededError, type XrpcError } from '@welkin/xrpc'
import { HostError } from '../errors.js'

export function hostErrorToXrpc(err: unknown): unknown {
  if (!(err instanceof HostError)) return err
  if (err.code === 'InvalidHostname' || err.code === 'HostUnreachable')
    return new InvalidRequestError(err.message, 'InvalidRequest')
  if (err.code === 'HostLimit') return new RateLimitExceededError(err.message)
  return new InvalidRequestError(err.message, err.code)
}

export function repoNotFound(did: string): XrpcError {
  return new InvalidRequestError(`Could not find repo for DID: ${did}`, 'RepoNotFound')
}

/** A cursor parameter that must be a decimal integer. */
export function intCursor(raw: unknown): number {
  if (raw === undefined) return 0
  const s = String(raw)
  if (!/^\d{1,16}$/.test(s)) throw new InvalidRequestError('malformed cursor')
  return Number(s)
}

// Soul ids and property names. A soul that starts with `~` is user space and must be
// `~did:key:z…` optionally followed by `/path`; only that key may write to it.
import { InvalidUpdateError, preview } from './errors.js'
import { type GraphLimits, isWellFormed } from './limits.js'

const USER_PREFIX = '~did:key:z'
// base58btc alphabet: the did:key method-specific id is a multibase `z` string.
const BASE58 = /^[1-9A-HJ-NP-Za-km-z]+$/

/**
 * Validates a soul id; returns the did:key that owns it (user space) or null (public).
 * Throws `InvalidUpdateError` ('invalid-soul').
 */
export function checkSoul(soul: unknown, limits: GraphLimits): string | null {
  if (typeof soul !== 'string')
    throw new InvalidUpdateError('invalid-soul', `soul must be a string, got ${typeof soul}`)
  if (soul.length === 0 || soul.length > limits.maxSoulLength)
    throw new InvalidUpdateError(
      'invalid-soul',
      `soul length ${soul.length} outside 1..${limits.maxSoulLength}: ${preview(soul)}`,
    )
  if (!isWellFormed(soul))
    throw new InvalidUpdateError('invalid-soul', `soul has an unpaired surrogate: ${preview(soul)}`)
  if (soul.charCodeAt(0) !== 0x7e) return null
  return userSpaceOwner(soul)
}

/** The did:key owning a `~did:key:z…[/path]` soul; throws for any other `~` soul. */
export function userSpaceOwner(soul: string): string {
  if (!soul.startsWith(USER_PREFIX))
    throw new InvalidUpdateError(
      'invalid-soul',
      `souls starting with "~" are user space (~did:key:z…): ${preview(soul)}`,
    )
  const slash = soul.indexOf('/', USER_PREFIX.length)
  const did = slash < 0 ? soul.slice(1) : soul.slice(1, slash)
  if (!BASE58.test(did.slice(USER_PREFIX.length - 1)))
    throw new InvalidUpdateError('invalid-soul', `user-space soul has a malformed did:key: ${preview(soul)}`)
  if (slash === soul.length - 1)
    throw new InvalidUpdateError('invalid-soul', `user-space soul has an empty path: ${preview(soul)}`)
  return did
}

/** True for `~…` souls (which `checkSoul` only accepts in the `~did:key:z…` form). */
export function isUserSpace(soul: string): boolean {
  return soul.charCodeAt(0) === 0x7e
}

/** The soul of a user's space: `~did:key:z…` or `~did:key:z…/path`. */
export function userSoul(did: string, path?: string): string {
  return path === undefined ? `~${did}` : `~${did}/${path}`
}

/** Validates a property name; throws `InvalidUpdateError` ('invalid-prop'). */
export function checkProp(prop: unknown, limits: GraphLimits): void {
  if (typeof prop !== 'string')
    throw new InvalidUpdateError('invalid-prop', `prop must be a string, got ${typeof prop}`)
  if (prop.length === 0 || prop.length > limits.maxPropLength)
    throw new InvalidUpdateError(
      'invalid-prop',
      `prop length ${prop.length} outside 1..${limits.maxPropLength}: ${preview(prop)}`,
    )
  if (!isWellFormed(prop))
    throw new InvalidUpdateError('invalid-prop', `prop has an unpaired surrogate: ${preview(prop)}`)
}

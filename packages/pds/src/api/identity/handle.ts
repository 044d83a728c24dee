// Which handles an account may take here: any valid handle under one of the service domains
// (PDS_SERVICE_HANDLE_DOMAINS), one label long, within the official PDS's length bounds; or a
// domain of the user's own that already resolves to their DID (handle.md "Handle Resolution").
import { hasDisallowedTld, isValidHandle, normalizeHandle } from '@welkin/syntax'
import { InvalidRequestError } from '@welkin/xrpc'
import type { PdsContext } from '../../context.js'

const MIN_NAME = 3
const MAX_NAME = 18
// Names that would let a user pass for the service itself.
const RESERVED = new Set(['admin', 'administrator', 'root', 'support', 'help', 'pds', 'plc', 'relay', 'www'])

export interface CheckedHandle {
  handle: string
  /** The service domain it is under, or null for a handle on the user's own domain. */
  serviceDomain: string | null
}

/**
 * Syntax and service-domain rules (no lookups); throws 400 InvalidHandle / HandleNotAvailable.
 * An administrator may give names outside the length bounds and reserved ones.
 */
export function checkHandleShape(raw: string, domains: readonly string[], byAdmin = false): CheckedHandle {
  if (typeof raw !== 'string' || !isValidHandle(raw)) {
    throw new InvalidRequestError(
      `${JSON.stringify(String(raw).slice(0, 300))} is not a valid handle`,
      'InvalidHandle',
    )
  }
  const handle = normalizeHandle(raw)
  const serviceDomain = domains.find((d) => handle.endsWith(d)) ?? null
  if (serviceDomain === null) {
    if (hasDisallowedTld(handle)) {
      throw new InvalidRequestError(
        `handles under this top-level domain never resolve: ${handle}`,
        'InvalidHandle',
      )
    }
    return { handle, serviceDomain }
  }
  const name = handle.slice(0, -serviceDomain.length)
  if (name.includes('.')) {
    throw new InvalidRequestError(
      `a handle under ${serviceDomain} is one name, without dots`,
      'InvalidHandle',
    )
  }
  if (byAdmin) return { handle, serviceDomain }
  if (name.length < MIN_NAME || name.length > MAX_NAME) {
    throw new InvalidRequestError(
      `the name before ${serviceDomain} must be ${MIN_NAME}-${MAX_NAME} characters`,
      'InvalidHandle',
    )
  }
  if (RESERVED.has(name)) throw new InvalidRequestError(`${handle} is reserved`, 'HandleNotAvailable')
  return { handle, serviceDomain }
}

/** Throws HandleNotAvailable when another account here holds `handle`. */
export function ensureHandleFree(ctx: PdsContext, handle: string, forDid?: string): void {
  const holder = ctx.store.accounts.getAccount(handle)
  if (holder !== null && holder.did !== forDid) {
    throw new InvalidRequestError(`handle ${handle} is already taken`, 'HandleNotAvailable')
  }
}

/** A handle on the user's own domain must already point at their DID (DNS TXT or well-known). */
export async function ensureHandleResolvesTo(ctx: PdsContext, handle: string, did: string): Promise<void> {
  let found: string | null
  try {
    found = await ctx.services.resolver.handle.resolve(handle, { forceRefresh: true })
  } catch {
    found = null
  }
  if (found !== did) {
    throw new InvalidRequestError(
      `${handle} does not resolve to ${did}: publish a DNS TXT record _atproto.${handle} "did=${did}" or serve ${did} at https://${handle}/.well-known/atproto-did`,
      'InvalidHandle',
    )
  }
}

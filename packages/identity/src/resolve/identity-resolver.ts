// Who an identifier is, verified both ways (handle spec: "the DID document must claim the
// handle, and the handle must resolve to the DID"). Starting from a DID or from a handle, the
// result's `handle` is set only when both directions agree.
import { isValidDid, normalizeHandle } from '@welkin/syntax'
import { type DidDocument, getAtprotoKey, getHandle, getPdsEndpoint } from '../did-document.js'
import { HandleResolutionError } from '../errors.js'
import { DidResolver, type DidResolverOptions } from './did-resolver.js'
import { HandleResolver, type HandleResolverOptions } from './handle-resolver.js'

export interface ResolvedIdentity {
  did: string
  doc: DidDocument
  /** The bidirectionally verified handle, or undefined (shown as `handle.invalid`). */
  handle: string | undefined
  /** The handle the DID document claims, verified or not. */
  claimedHandle: string | undefined
  signingKey: string | undefined
  pds: string | undefined
}

export interface IdentityResolverOptions {
  did?: DidResolver | DidResolverOptions
  handle?: HandleResolver | HandleResolverOptions
}

export class IdentityResolver {
  readonly did: DidResolver
  readonly handle: HandleResolver

  constructor(opts: IdentityResolverOptions = {}) {
    this.did = opts.did instanceof DidResolver ? opts.did : new DidResolver(opts.did)
    this.handle = opts.handle instanceof HandleResolver ? opts.handle : new HandleResolver(opts.handle)
  }

  /** Resolves a DID or a handle; throws DidResolutionError / HandleResolutionError when it cannot. */
  async resolve(identifier: string, opts: { forceRefresh?: boolean } = {}): Promise<ResolvedIdentity> {
    const isDid: boolean = isValidDid(identifier)
    if (isDid) return this.#fromDid(identifier, undefined, opts)
    const input = normalizeHandle(identifier.replace(/^@/, ''))
    const did = await this.handle.resolve(input, opts)
    if (!did) throw new HandleResolutionError(input, 'no DNS TXT record or well-known DID found')
    return this.#fromDid(did, { handle: input, did }, opts)
  }

  async #fromDid(
    did: string,
    known: { handle: string; did: string } | undefined,
    opts: { forceRefresh?: boolean },
  ): Promise<ResolvedIdentity> {
    const doc = await this.did.ensureResolve(did, opts)
    const claimed = getHandle(doc)
    let verified: string | undefined
    if (claimed) {
      const back =
        known?.handle === claimed ? known.did : await this.handle.resolve(claimed, opts).catch(() => null)
      if (back === did) verified = claimed
    }
    return {
      did,
      doc,
      handle: verified,
      claimedHandle: claimed,
      signingKey: getAtprotoKey(doc),
      pds: getPdsEndpoint(doc),
    }
  }
}

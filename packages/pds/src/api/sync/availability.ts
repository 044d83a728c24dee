// Whether a repo's data may be served (the official PDS's rules): an unknown DID is RepoNotFound;
// a taken-down, suspended or deactivated account is refused to everyone but the account itself
// (with its access token) and the administrator, who may still export it (migration, review).
import { type AuthVerifier, InvalidRequestError, XrpcError } from '@welkin/xrpc'
import type { HostingStatus } from '../../account-manager.js'
import type { PdsContext } from '../../context.js'

/** Who is asking: the account's DID, the administrator, or null for the public. */
export type Viewer = { did: string } | { admin: true } | null

/**
 * Optional credentials: Basic is the admin, Bearer an access token of ours, neither the public.
 * These reads are public, so a Bearer token that is not ours (a service token another server
 * attached, say) only costs the caller the owner's view; an expired one of ours is still
 * answered ExpiredToken, so the owner's client refreshes.
 */
export function viewerAuth(ctx: PdsContext): AuthVerifier<Viewer> {
  return async (c) => {
    const header = c.req.headers.authorization
    if (header === undefined) return null
    if (/^basic /i.test(header)) return ctx.auth.admin(c)
    try {
      const creds = await ctx.auth.optionalAccess(c)
      return creds === null ? null : { did: creds.did }
    } catch (err) {
      if (err instanceof XrpcError && err.error === 'ExpiredToken') throw err
      return null
    }
  }
}

const REFUSALS: Record<Exclude<HostingStatus, 'active'>, [string, string]> = {
  takendown: ['RepoTakendown', 'has been taken down'],
  suspended: ['RepoSuspended', 'has been suspended'],
  deactivated: ['RepoDeactivated', 'has been deactivated'],
}

export function assertRepoAvailable(ctx: PdsContext, did: string, viewer: Viewer = null): HostingStatus {
  const status = ctx.accountStatus(did)
  if (status === null) throw new InvalidRequestError(`Could not find repo for DID: ${did}`, 'RepoNotFound')
  if (status === 'active') return status
  if (viewer !== null && ('admin' in viewer || viewer.did === did)) return status
  const [error, what] = REFUSALS[status]
  throw new InvalidRequestError(`Repo ${did} ${what}`, error)
}

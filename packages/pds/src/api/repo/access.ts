// Which repository a com.atproto.repo.* call is about. `repo` is an at-identifier (a DID or a
// handle); writes must name the caller's own repo, reads only need it to be hosted here.
import { AuthRequiredError, InvalidRequestError } from '@welkin/xrpc'
import type { AccessCredentials, PdsContext } from '../../context.js'

/** The DID a handle or DID names here, or null when no account here has it. */
export function lookupDid(ctx: PdsContext, repo: string): string | null {
  if (repo.startsWith('did:')) return ctx.accountStatus(repo) === null ? null : repo
  return ctx.store.accounts.getAccount(repo)?.did ?? null
}

/**
 * The DID a write goes to. As the official PDS answers: an unknown repo is a 400, someone else's
 * repo a 401 (the credentials do not cover it). The common case, the caller's own DID, costs no
 * lookup; the account's status is checked by the access verifier and again inside the commit.
 */
export function writableRepo(ctx: PdsContext, repo: string, auth: AccessCredentials): string {
  if (repo === auth.did) return repo
  const did = lookupDid(ctx, repo)
  if (did === null) throw new InvalidRequestError(`Could not find repo: ${repo}`)
  if (did !== auth.did) throw new AuthRequiredError(`${repo} is not the repo of the authenticated account`)
  return did
}

/** The DID of an active account hosted here, for public reads; else a 400 naming `repo`. */
export function readableRepo(ctx: PdsContext, repo: string, error = 'InvalidRequest'): string {
  const did = lookupDid(ctx, repo)
  if (did === null || ctx.accountStatus(did) !== 'active') {
    throw new InvalidRequestError(`Could not find repo: ${repo}`, error)
  }
  return did
}

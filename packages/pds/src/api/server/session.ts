// Issuing a session (an access and a refresh token, the refresh token stored for rotation) and
// the account fields createSession, getSession and refreshSession answer with.
import type { DidDocument } from '@welkin/identity'
import type { Account } from '../../account-manager.js'
import {
  ACCESS_SCOPE,
  APP_PASS_PRIVILEGED_SCOPE,
  APP_PASS_SCOPE,
  createAccessToken,
  createRefreshToken,
} from '../../auth/jwt.js'
import type { PdsContext } from '../../context.js'
import type { AppPassword } from '../../sessions.js'

export interface SessionTokens {
  accessJwt: string
  refreshJwt: string
}

export function scopeFor(appPassword: Pick<AppPassword, 'privileged'> | null): string {
  if (appPassword === null) return ACCESS_SCOPE
  return appPassword.privileged ? APP_PASS_PRIVILEGED_SCOPE : APP_PASS_SCOPE
}

export function accessToken(ctx: PdsContext, did: string, scope: string): string {
  return createAccessToken(
    { did, serviceDid: ctx.config.service.did, scope, expiresInSec: ctx.services.accessTokenTtlSec },
    ctx.store.secrets.jwtSecret,
  ).token
}

/** A refresh token for `jti` (a new one when absent); the caller stores it unless rotating. */
export function refreshToken(ctx: PdsContext, did: string, jti?: string) {
  return createRefreshToken(
    { did, serviceDid: ctx.config.service.did, jti, expiresInSec: ctx.services.refreshTokenTtlSec },
    ctx.store.secrets.jwtSecret,
  )
}

/** A fresh session: both tokens, the refresh token recorded for later rotation. */
export function createSessionTokens(
  ctx: PdsContext,
  did: string,
  appPassword: Pick<AppPassword, 'name' | 'privileged'> | null = null,
): SessionTokens {
  const refresh = refreshToken(ctx, did)
  ctx.services.sessions.storeRefreshToken({
    id: refresh.jti,
    did,
    expiresAt: refresh.expiresAt,
    appPasswordName: appPassword?.name ?? null,
  })
  return { accessJwt: accessToken(ctx, did, scopeFor(appPassword)), refreshJwt: refresh.token }
}

/** The DID document as the directory serves it; undefined when it cannot be had right now. */
export async function didDocFor(ctx: PdsContext, did: string): Promise<DidDocument | undefined> {
  try {
    return (await ctx.services.resolver.did.resolve(did)) ?? undefined
  } catch (err) {
    ctx.log('cannot resolve the DID document of a local account', { did, err: (err as Error).message })
    return undefined
  }
}

/** handle, did, email, status and the DID document, shaped as com.atproto.server.getSession. */
export async function sessionInfo(ctx: PdsContext, account: Account): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {
    handle: account.handle ?? 'handle.invalid',
    did: account.did,
    emailConfirmed: account.emailConfirmedAt !== null,
    emailAuthFactor: false,
    active: account.active,
  }
  if (account.email !== null) out.email = account.email
  if (!account.active) out.status = account.status
  const didDoc = await didDocFor(ctx, account.did)
  if (didDoc !== undefined) out.didDoc = didDoc
  return out
}

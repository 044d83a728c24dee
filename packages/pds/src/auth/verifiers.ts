// The XRPC auth verifiers of the PDS: Bearer access and refresh tokens (HS256, this server's
// secret) and Basic admin auth. Error names and statuses are the official PDS's, because the
// official client acts on them: a 400 `ExpiredToken` (or any 401) makes it refresh and retry.
import {
  type AuthContext,
  AuthRequiredError,
  InvalidRequestError,
  parseBasic,
  parseBearer,
  safeEqual,
} from '@welkin/xrpc'
import type { HostingStatus } from '../account-manager.js'
import type { AccessCredentials, PdsAuth, RefreshCredentials } from '../context.js'
import { ExpiredTokenError, InvalidTokenError } from '../errors.js'
import { ACCESS_SCOPE, verifyAccessToken, verifyRefreshToken } from './jwt.js'

export interface VerifierOptions {
  jwtSecret: string
  adminPassword: string
  /** The tokens' audience. */
  serviceDid: string
  /** Hosting status of a local account (null: no such account), cheap enough for every request. */
  accountStatus: (did: string) => HostingStatus | null
}

function tokenError(err: unknown): never {
  if (err instanceof ExpiredTokenError) throw new InvalidRequestError('Token has expired', 'ExpiredToken')
  if (err instanceof InvalidTokenError) throw new AuthRequiredError(err.message, 'InvalidToken')
  throw err
}

function bearer(req: Parameters<typeof parseBearer>[0]): string {
  const token = parseBearer(req)
  if (token === undefined) throw new AuthRequiredError('Authentication Required')
  return token
}

/** Taken-down and suspended accounts are refused everywhere a session is used. */
function checkHosted(did: string, status: HostingStatus | null): void {
  if (status === null) throw new AuthRequiredError(`no account ${did} on this server`, 'InvalidToken')
  if (status === 'takendown' || status === 'suspended') {
    throw new AuthRequiredError(`account ${did} has been taken down`, 'AccountTakedown')
  }
}

/** PdsAuth with every verifier synchronous: nothing here waits for I/O. */
export type SyncPdsAuth = {
  [K in keyof PdsAuth]: PdsAuth[K] extends (ctx: AuthContext) => infer R
    ? (ctx: AuthContext) => Awaited<R>
    : never
}

/** Access tokens already verified, kept until this many are held (then the memo starts over). */
const MAX_MEMO = 10_000

export function createVerifiers(opts: VerifierOptions): SyncPdsAuth {
  const { jwtSecret, serviceDid } = opts
  // Full verification (HMAC, two JSON parses, claim checks) costs tens of microseconds; a client
  // sends the same token for up to two hours. The memo is keyed by the whole token, signature
  // included, so only a byte-identical copy of a verified token hits; expiry is checked on
  // every use and the account's status is never memoized.
  const memo = new Map<string, AccessCredentials & { exp: number }>()
  const verifyAccess = (token: string): AccessCredentials => {
    let creds = memo.get(token)
    if (creds === undefined) {
      try {
        const verified = verifyAccessToken(token, jwtSecret, { serviceDid })
        const exp = (JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { exp: number })
          .exp
        creds = { ...verified, exp }
      } catch (err) {
        tokenError(err)
      }
      if (memo.size >= MAX_MEMO) memo.clear()
      memo.set(token, creds)
    } else if (creds.exp <= Date.now() / 1000) {
      memo.delete(token)
      throw new InvalidRequestError('Token has expired', 'ExpiredToken')
    }
    checkHosted(creds.did, opts.accountStatus(creds.did))
    return { did: creds.did, scope: creds.scope }
  }
  const admin: SyncPdsAuth['admin'] = ({ req }) => {
    const creds = parseBasic(req)
    const challenge = { headers: { 'WWW-Authenticate': 'Basic realm="admin", charset="UTF-8"' } }
    if (creds === undefined) throw new AuthRequiredError('Admin credentials required', undefined, challenge)
    // Both comparisons always run, so a wrong user name takes as long as a wrong password.
    const userOk = safeEqual(creds.username, 'admin')
    const passOk = safeEqual(creds.password, opts.adminPassword)
    if (!(userOk && passOk)) throw new AuthRequiredError('Invalid admin credentials', undefined, challenge)
    return { admin: true }
  }
  return {
    access: ({ req }) => verifyAccess(bearer(req)),
    accessFull: ({ req }) => {
      const creds = verifyAccess(bearer(req))
      if (creds.scope !== ACCESS_SCOPE) {
        throw new AuthRequiredError('App passwords may not do this', 'InvalidToken')
      }
      return creds
    },
    optionalAccess: ({ req }) => (req.headers.authorization === undefined ? null : verifyAccess(bearer(req))),
    refresh: ({ req }): RefreshCredentials => {
      const token = bearer(req)
      let out: { did: string; jti: string; expiresAt: number }
      try {
        out = verifyRefreshToken(token, jwtSecret, { serviceDid })
      } catch (err) {
        tokenError(err)
      }
      return { did: out.did, tokenId: out.jti, expiresAt: out.expiresAt }
    },
    admin,
  }
}

// HS256 session tokens (RFC 7519 / RFC 7515 with HMAC-SHA256), shaped like the official PDS's
// so clients see what they expect: access tokens `typ: at+jwt` with scope com.atproto.access
// (or an app-password scope), refresh tokens `typ: refresh+jwt` with scope
// com.atproto.refresh and a `jti` naming the stored refresh token. `aud` is the service DID.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { ExpiredTokenError, InvalidTokenError } from '../errors.js'

export const ACCESS_SCOPE = 'com.atproto.access'
export const REFRESH_SCOPE = 'com.atproto.refresh'
export const APP_PASS_SCOPE = 'com.atproto.appPass'
export const APP_PASS_PRIVILEGED_SCOPE = 'com.atproto.appPassPrivileged'

export const ACCESS_TOKEN_TTL_SEC = 2 * 3600
export const REFRESH_TOKEN_TTL_SEC = 90 * 24 * 3600

/** Longer tokens are refused before any parsing. */
const MAX_TOKEN_LENGTH = 8192
/** Allowed difference between our clock and an `iat`, for tokens from another replica. */
const CLOCK_SKEW_SEC = 60

export interface JwtHeader {
  alg: 'HS256'
  typ?: string
}

export interface JwtPayload {
  scope?: string
  sub?: string
  aud?: string
  iat?: number
  exp?: number
  jti?: string
  [claim: string]: unknown
}

export interface VerifyOptions {
  /** Required `typ` header. */
  typ?: string
  /** Required `aud`. */
  audience?: string
  /** Accepted `scope` values. */
  scopes?: readonly string[]
  /** Seconds since the epoch (default: now). */
  now?: number
}

const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')

function hmac(secret: string | Uint8Array, input: string): Buffer {
  return createHmac('sha256', secret).update(input).digest()
}

export function signJwt(
  header: Omit<JwtHeader, 'alg'>,
  payload: JwtPayload,
  secret: string | Uint8Array,
): string {
  const input = `${enc({ ...header, alg: 'HS256' })}.${enc(payload)}`
  return `${input}.${hmac(secret, input).toString('base64url')}`
}

function decodePart(part: string, what: string): Record<string, unknown> {
  if (!/^[A-Za-z0-9_-]*$/.test(part)) throw new InvalidTokenError(`token ${what} is not base64url`)
  let v: unknown
  try {
    v = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'))
  } catch {
    throw new InvalidTokenError(`token ${what} is not JSON`)
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw new InvalidTokenError(`token ${what} is not an object`)
  return v as Record<string, unknown>
}

/** Checks signature, algorithm, time and the requested claims; returns the decoded token. */
export function verifyJwt(
  token: string,
  secret: string | Uint8Array,
  opts: VerifyOptions = {},
): { header: JwtHeader; payload: JwtPayload } {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH)
    throw new InvalidTokenError('token is malformed')
  const parts = token.split('.')
  if (parts.length !== 3) throw new InvalidTokenError('token is not a JWS compact serialization')
  const header = decodePart(parts[0], 'header')
  // Only HS256: never `none`, never an algorithm chosen by the token itself.
  if (header.alg !== 'HS256')
    throw new InvalidTokenError(`token algorithm ${String(header.alg)} is not HS256`)
  const sig = Buffer.from(parts[2], 'base64url')
  if (!/^[A-Za-z0-9_-]+$/.test(parts[2]) || sig.toString('base64url') !== parts[2]) {
    throw new InvalidTokenError('token signature is not canonical base64url')
  }
  const expected = hmac(secret, `${parts[0]}.${parts[1]}`)
  if (sig.length !== expected.length || !timingSafeEqual(sig, expected)) {
    throw new InvalidTokenError('token signature does not verify')
  }
  const payload = decodePart(parts[1], 'payload') as JwtPayload
  const now = opts.now ?? Math.floor(Date.now() / 1000)
  // Every token this server issues expires; one without `exp` is not ours.
  if (typeof payload.exp !== 'number') throw new InvalidTokenError('token has no expiry')
  if (payload.exp <= now) throw new ExpiredTokenError('token has expired')
  if (payload.iat !== undefined && (typeof payload.iat !== 'number' || payload.iat > now + CLOCK_SKEW_SEC)) {
    throw new InvalidTokenError('token is issued in the future')
  }
  if (opts.typ !== undefined && header.typ !== opts.typ) {
    throw new InvalidTokenError(`token type ${String(header.typ)} is not ${opts.typ}`)
  }
  if (opts.audience !== undefined && payload.aud !== opts.audience) {
    throw new InvalidTokenError(`token audience ${String(payload.aud)} is not ${opts.audience}`)
  }
  if (
    opts.scopes !== undefined &&
    (typeof payload.scope !== 'string' || !opts.scopes.includes(payload.scope))
  ) {
    throw new InvalidTokenError(`token scope ${String(payload.scope)} is not accepted here`)
  }
  return { header: header as unknown as JwtHeader, payload }
}

export interface SessionTokenInput {
  did: string
  /** The PDS's service DID, the tokens' audience. */
  serviceDid: string
  /** Seconds since the epoch (default: now). */
  now?: number
}

export function createAccessToken(
  input: SessionTokenInput & { scope?: string; expiresInSec?: number },
  secret: string | Uint8Array,
): { token: string; expiresAt: number } {
  const iat = input.now ?? Math.floor(Date.now() / 1000)
  const exp = iat + (input.expiresInSec ?? ACCESS_TOKEN_TTL_SEC)
  const payload = { scope: input.scope ?? ACCESS_SCOPE, sub: input.did, aud: input.serviceDid, iat, exp }
  return { token: signJwt({ typ: 'at+jwt' }, payload, secret), expiresAt: exp }
}

export function createRefreshToken(
  input: SessionTokenInput & { jti?: string; expiresInSec?: number },
  secret: string | Uint8Array,
): { token: string; jti: string; expiresAt: number } {
  const iat = input.now ?? Math.floor(Date.now() / 1000)
  const exp = iat + (input.expiresInSec ?? REFRESH_TOKEN_TTL_SEC)
  const jti = input.jti ?? randomBytes(32).toString('base64url')
  const payload = { scope: REFRESH_SCOPE, sub: input.did, aud: input.serviceDid, jti, iat, exp }
  return { token: signJwt({ typ: 'refresh+jwt' }, payload, secret), jti, expiresAt: exp }
}

/** An access token's account and scope; app-password scopes only when `allowAppPassword`. */
export function verifyAccessToken(
  token: string,
  secret: string | Uint8Array,
  opts: { serviceDid: string; allowAppPassword?: boolean; now?: number },
): { did: string; scope: string } {
  const scopes =
    opts.allowAppPassword === false
      ? [ACCESS_SCOPE]
      : [ACCESS_SCOPE, APP_PASS_SCOPE, APP_PASS_PRIVILEGED_SCOPE]
  const { payload } = verifyJwt(token, secret, {
    typ: 'at+jwt',
    audience: opts.serviceDid,
    scopes,
    now: opts.now,
  })
  if (typeof payload.sub !== 'string' || !payload.sub.startsWith('did:'))
    throw new InvalidTokenError('token has no DID subject')
  return { did: payload.sub, scope: payload.scope! }
}

export function verifyRefreshToken(
  token: string,
  secret: string | Uint8Array,
  opts: { serviceDid: string; now?: number },
): { did: string; jti: string; expiresAt: number } {
  const { payload } = verifyJwt(token, secret, {
    typ: 'refresh+jwt',
    audience: opts.serviceDid,
    scopes: [REFRESH_SCOPE],
    now: opts.now,
  })
  if (typeof payload.sub !== 'string' || !payload.sub.startsWith('did:'))
    throw new InvalidTokenError('token has no DID subject')
  if (typeof payload.jti !== 'string' || payload.jti === '')
    throw new InvalidTokenError('refresh token has no jti')
  return { did: payload.sub, jti: payload.jti, expiresAt: payload.exp! }
}

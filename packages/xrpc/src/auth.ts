// Authorization header parsing (RFC 6750 Bearer, RFC 7617 Basic) and the admin-token scheme of
// xrpc.md "Admin Token". Secrets are compared in constant time.
import { createHash, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { AuthRequiredError, XrpcConfigError } from './errors.js'
import type { AuthVerifier } from './types.js'

type HeaderSource = IncomingMessage | string | undefined

function authorization(src: HeaderSource): string | undefined {
  return typeof src === 'string' || src === undefined ? src : src.headers.authorization
}

const BEARER = /^bearer +([^\s]+) *$/i
const BASIC = /^basic +([A-Za-z0-9+/]+={0,2}) *$/i

/** The token of `Authorization: Bearer <token>`, or undefined when absent or another scheme. */
export function parseBearer(src: HeaderSource): string | undefined {
  const header = authorization(src)
  if (header === undefined) return undefined
  return BEARER.exec(header)?.[1]
}

/** The user and password of `Authorization: Basic <base64(user:password)>`, or undefined. */
export function parseBasic(src: HeaderSource): { username: string; password: string } | undefined {
  const header = authorization(src)
  if (header === undefined) return undefined
  const b64 = BASIC.exec(header)?.[1]
  if (b64 === undefined) return undefined
  const decoded = Buffer.from(b64, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon === -1) return undefined
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) }
}

function digest(v: string | Uint8Array): Buffer {
  return createHash('sha256').update(v).digest()
}

/**
 * Constant-time equality for secrets of any length: both sides are hashed first, so neither the
 * content nor the length of the expected secret leaks through timing.
 */
export function safeEqual(a: string | Uint8Array, b: string | Uint8Array): boolean {
  return timingSafeEqual(digest(a), digest(b))
}

/** Accepts only `Basic` auth with user `admin` (or `username`) and the given password. */
export function adminBasicAuth(password: string, username = 'admin'): AuthVerifier<{ type: 'admin' }> {
  if (password.length === 0) throw new XrpcConfigError('adminBasicAuth needs a non-empty password')
  const challenge = { headers: { 'WWW-Authenticate': 'Basic realm="admin", charset="UTF-8"' } }
  return ({ req }) => {
    const creds = parseBasic(req)
    if (creds === undefined) throw new AuthRequiredError('Admin credentials required', undefined, challenge)
    // Both comparisons always run, so a wrong user name takes as long as a wrong password.
    const userOk = safeEqual(creds.username, username)
    const passOk = safeEqual(creds.password, password)
    if (!userOk || !passOk) throw new AuthRequiredError('Invalid admin credentials', undefined, challenge)
    return { type: 'admin' }
  }
}

// What every XRPC handler of the PDS is given (the contract between the endpoint folders): the
// store, the configuration, the lexicons, the auth verifiers, a logger, and the mapping from the
// store's typed errors to the `{error, message}` answers clients expect.
import type { IdentityResolver } from '@welkin/identity'
import type { Lexicons } from '@welkin/lexicon'
import { InvalidSyntaxError } from '@welkin/syntax'
import {
  AuthRequiredError,
  type AuthVerifier,
  type HandlerInput,
  InvalidRequestError,
  XrpcError,
} from '@welkin/xrpc'
import type { HostingStatus } from './account-manager.js'
import type { PlcClient } from './api/identity/plc-client.js'
import type { EmailTokens } from './api/server/email-token.js'
import type { PdsConfig } from './config.js'
import { InvalidTokenError, PdsError } from './errors.js'
import type { PdsStore } from './pds-store.js'
import type { KeyedQueue } from './serial-queue.js'
import type { SessionStore } from './sessions.js'

export interface AccessCredentials {
  did: string
  /** `com.atproto.access`, or an app-password scope (`com.atproto.appPass[Privileged]`). */
  scope: string
}

export interface RefreshCredentials {
  did: string
  /** The `jti` of the presented refresh token (its row in the refresh_token table). */
  tokenId: string
  /** The presented token's expiry, seconds since the epoch. */
  expiresAt: number
}

export interface PdsAuth {
  /**
   * Bearer access token of an account hosted here. Throws AuthRequiredError
   * (`AuthenticationRequired`, `InvalidToken`, `AccountTakedown`) or a 400 `ExpiredToken`, as
   * the official PDS does, so the official client's refresh path works.
   */
  access: AuthVerifier<AccessCredentials>
  /** Like `access`, but also refuses app-password sessions (account management). */
  accessFull: AuthVerifier<AccessCredentials>
  /** `access` when an Authorization header is present, null without one. */
  optionalAccess: AuthVerifier<AccessCredentials | null>
  /** Bearer refresh token (refreshSession, deleteSession). */
  refresh: AuthVerifier<RefreshCredentials>
  /** Basic `admin:PDS_ADMIN_PASSWORD`, compared in constant time. */
  admin: AuthVerifier<{ admin: true }>
}

export interface PdsContext {
  /** Everything persisted. */
  store: PdsStore
  config: PdsConfig
  /** officialLexicons(), shared and sealed. */
  lexicons: Lexicons
  auth: PdsAuth
  /**
   * Hosting status of a local account, or null when there is none; cached in memory and
   * invalidated by the account's `#account` / `#identity` events, so hot paths need no query.
   */
  accountStatus(did: string): HostingStatus | null
  log: (msg: string, fields?: Record<string, unknown>) => void
  /** What the account, session and identity endpoints use beyond the store. */
  services: AccountServices
}

export interface AccountServices {
  /** The did:plc directory (PDS_DID_PLC_URL). */
  plc: PlcClient
  /** DID and handle resolution; loopback reachable only in dev mode. */
  resolver: IdentityResolver
  /** Refresh-token rotation with this server's reuse grace period. */
  sessions: SessionStore
  accessTokenTtlSec: number
  refreshTokenTtlSec: number
  /** Confirmation tokens that would go by email (logged instead: no mail is sent). */
  emailTokens: EmailTokens
  /** Serializes DID document changes per account (read the last op, sign the next, submit). */
  identityQueue: KeyedQueue
}

/** A JSON request body as the lexicon validated it; a missing body is the client's mistake. */
export function jsonBody<T>(input: HandlerInput): T {
  if (input === undefined || !('body' in input))
    throw new InvalidRequestError('A JSON request body is required')
  return input.body as T
}

// Error names the official PDS answers with 401 rather than 400.
const UNAUTHORIZED = new Set(['InvalidToken', 'AuthenticationRequired', 'AccountTakedown'])

/**
 * The answer a client should get for `err`: XRPC errors as they are, the store's client-facing
 * errors (those with a lexicon error name, and plain PdsErrors, which the store raises only for
 * bad input) and syntax errors as 4xx, anything else unchanged (a logged 500).
 */
export function toClientError(err: unknown): unknown {
  if (err instanceof XrpcError) return err
  if (err instanceof InvalidSyntaxError) return new InvalidRequestError(err.message)
  if (!(err instanceof PdsError)) return err
  if (err instanceof InvalidTokenError && err.xrpcError === 'InvalidToken') {
    return new AuthRequiredError(err.message, 'InvalidToken')
  }
  if (err.xrpcError !== 'InternalServerError') {
    if (UNAUTHORIZED.has(err.xrpcError)) return new AuthRequiredError(err.message, err.xrpcError)
    return new InvalidRequestError(err.message, err.xrpcError)
  }
  if (err.constructor === PdsError) return new InvalidRequestError(err.message)
  return err
}

/** Runs `fn`, rethrowing its failure as toClientError maps it (sync and async alike). */
export function mapPdsErrors<T>(fn: () => T): T {
  try {
    const out = fn()
    if (out instanceof Promise) {
      return out.catch((err) => {
        throw toClientError(err)
      }) as T
    }
    return out
  } catch (err) {
    throw toClientError(err)
  }
}

/** Most accounts whose status is remembered; past it the cache starts over (a query each). */
const MAX_CACHED_STATUSES = 100_000

/**
 * `accountStatus` for a store: one indexed query per DID, then memory. Every status change and
 * deletion appends an `#account` event in the same transaction, published after the commit, so
 * dropping the entry on each of the DID's events keeps the cache exact.
 */
export function accountStatusCache(store: PdsStore): {
  get: (did: string) => HostingStatus | null
  close: () => void
} {
  const cache = new Map<string, HostingStatus | null>()
  const query = store.db.prepare('SELECT status FROM account WHERE did = ?')
  const unsubscribe = store.sequencer.subscribe((e) => {
    if (e.type === '#account' || e.type === '#identity') cache.delete(e.did)
  })
  return {
    get(did) {
      const hit = cache.get(did)
      if (hit !== undefined) return hit
      const row = query.get(did) as { status: HostingStatus } | undefined
      const status = row?.status ?? null
      if (cache.size >= MAX_CACHED_STATUSES) cache.clear()
      cache.set(did, status)
      return status
    },
    close: unsubscribe,
  }
}

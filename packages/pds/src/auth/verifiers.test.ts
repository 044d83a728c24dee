import type { IncomingMessage } from 'node:http'
import { XrpcError } from '@welkin/xrpc'
import { describe, expect, it, vi } from 'vitest'
import type { HostingStatus } from '../account-manager.js'
import { APP_PASS_SCOPE, createAccessToken, createRefreshToken, signJwt } from './jwt.js'
import { createVerifiers } from './verifiers.js'

const secret = 'a test secret of enough length'
const serviceDid = 'did:web:pds.example.com'
const did = 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa'
const statuses = new Map<string, HostingStatus>([[did, 'active']])
const auth = createVerifiers({
  jwtSecret: secret,
  adminPassword: 'admin password',
  serviceDid,
  accountStatus: (d) => statuses.get(d) ?? null,
})

const ctxWith = (authorization?: string) => ({
  nsid: 'com.atproto.server.getSession',
  params: {},
  req: { headers: authorization === undefined ? {} : { authorization } } as IncomingMessage,
})

function failure(fn: () => unknown): { status: number; error: string } {
  try {
    fn()
  } catch (err) {
    if (err instanceof XrpcError) return { status: err.status, error: err.error }
    throw err
  }
  throw new Error('did not throw')
}

const access = (opts: { scope?: string; expiresInSec?: number; now?: number; sub?: string } = {}) =>
  `Bearer ${createAccessToken({ did: opts.sub ?? did, serviceDid, ...opts }, secret).token}`

describe('access verifier', () => {
  it('accepts a valid token and returns the account and scope', () => {
    expect(auth.access(ctxWith(access()))).toEqual({ did, scope: 'com.atproto.access' })
  })

  it('answers the official PDS error names and statuses', () => {
    expect(failure(() => auth.access(ctxWith()))).toEqual({ status: 401, error: 'AuthenticationRequired' })
    expect(failure(() => auth.access(ctxWith('Basic abc')))).toEqual({
      status: 401,
      error: 'AuthenticationRequired',
    })
    const expired = access({ now: Math.floor(Date.now() / 1000) - 100, expiresInSec: 10 })
    expect(failure(() => auth.access(ctxWith(expired)))).toEqual({ status: 400, error: 'ExpiredToken' })
    const forged = `Bearer ${createAccessToken({ did, serviceDid }, 'another secret entirely').token}`
    expect(failure(() => auth.access(ctxWith(forged)))).toEqual({ status: 401, error: 'InvalidToken' })
    const otherAudience = `Bearer ${createAccessToken({ did, serviceDid: 'did:web:elsewhere.com' }, secret).token}`
    expect(failure(() => auth.access(ctxWith(otherAudience)))).toEqual({ status: 401, error: 'InvalidToken' })
    const refresh = `Bearer ${createRefreshToken({ did, serviceDid }, secret).token}`
    expect(failure(() => auth.access(ctxWith(refresh)))).toEqual({ status: 401, error: 'InvalidToken' })
    const none = `Bearer ${signJwt({ typ: 'at+jwt' }, { sub: did, aud: serviceDid, exp: 2e9 }, secret).replace(/^[^.]+/, Buffer.from('{"alg":"none"}').toString('base64url'))}`
    expect(failure(() => auth.access(ctxWith(none)))).toEqual({ status: 401, error: 'InvalidToken' })
  })

  it('refuses taken-down and unknown accounts, and app passwords where a full session is needed', () => {
    const gone = access({ sub: 'did:plc:bbbbbbbbbbbbbbbbbbbbbbbb' })
    expect(failure(() => auth.access(ctxWith(gone)))).toEqual({ status: 401, error: 'InvalidToken' })
    statuses.set(did, 'takendown')
    expect(failure(() => auth.access(ctxWith(access())))).toEqual({ status: 401, error: 'AccountTakedown' })
    statuses.set(did, 'deactivated')
    expect(auth.access(ctxWith(access())).did).toBe(did)
    statuses.set(did, 'active')
    const app = access({ scope: APP_PASS_SCOPE })
    expect(auth.access(ctxWith(app)).scope).toBe(APP_PASS_SCOPE)
    expect(failure(() => auth.accessFull(ctxWith(app)))).toEqual({ status: 401, error: 'InvalidToken' })
  })

  it('expires a token it has already verified once', () => {
    vi.useFakeTimers({ now: 1_800_000_000_000 })
    try {
      const token = access({ expiresInSec: 60 })
      expect(auth.access(ctxWith(token)).did).toBe(did)
      vi.setSystemTime(1_800_000_059_000)
      expect(auth.access(ctxWith(token)).did).toBe(did)
      vi.setSystemTime(1_800_000_060_000)
      expect(failure(() => auth.access(ctxWith(token)))).toEqual({ status: 400, error: 'ExpiredToken' })
      expect(failure(() => auth.access(ctxWith(token)))).toEqual({ status: 400, error: 'ExpiredToken' })
    } finally {
      vi.useRealTimers()
    }
  })

  it('re-checks the account status on every use of a verified token', () => {
    const token = access()
    expect(auth.access(ctxWith(token)).did).toBe(did)
    statuses.set(did, 'suspended')
    expect(failure(() => auth.access(ctxWith(token)))).toEqual({ status: 401, error: 'AccountTakedown' })
    statuses.set(did, 'active')
  })

  it('optionalAccess is null without a header and strict with one', () => {
    expect(auth.optionalAccess(ctxWith())).toBeNull()
    expect(failure(() => auth.optionalAccess(ctxWith('Bearer x.y.z')))).toMatchObject({ status: 401 })
  })
})

describe('refresh verifier', () => {
  it('returns the token id; refuses access tokens and expired tokens', () => {
    const r = createRefreshToken({ did, serviceDid }, secret)
    expect(auth.refresh(ctxWith(`Bearer ${r.token}`))).toEqual({
      did,
      tokenId: r.jti,
      expiresAt: r.expiresAt,
    })
    expect(failure(() => auth.refresh(ctxWith(access())))).toEqual({ status: 401, error: 'InvalidToken' })
    const old = createRefreshToken({ did, serviceDid, now: 1000, expiresInSec: 10 }, secret)
    expect(failure(() => auth.refresh(ctxWith(`Bearer ${old.token}`)))).toEqual({
      status: 400,
      error: 'ExpiredToken',
    })
  })
})

describe('admin verifier', () => {
  const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`

  it('accepts only admin with the password', () => {
    expect(auth.admin(ctxWith(basic('admin', 'admin password')))).toEqual({ admin: true })
    for (const h of [undefined, basic('admin', 'admin passwor'), basic('root', 'admin password'), access()]) {
      expect(failure(() => auth.admin(ctxWith(h)))).toEqual({ status: 401, error: 'AuthenticationRequired' })
    }
  })
})

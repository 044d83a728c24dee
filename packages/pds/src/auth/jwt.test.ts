import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { ExpiredTokenError, InvalidTokenError } from '../errors.js'
import {
  ACCESS_SCOPE,
  APP_PASS_SCOPE,
  createAccessToken,
  createRefreshToken,
  REFRESH_SCOPE,
  signJwt,
  verifyAccessToken,
  verifyJwt,
  verifyRefreshToken,
} from './jwt.js'

const secret = 'a-very-secret-jwt-key'
const serviceDid = 'did:web:pds.example.com'
const now = 1_700_000_000

const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString())

describe('session tokens', () => {
  it('issues access tokens shaped like the official PDS', () => {
    const { token, expiresAt } = createAccessToken({ did: 'did:plc:abc', serviceDid, now }, secret)
    const [h, p] = token.split('.')
    expect(decode(h)).toEqual({ typ: 'at+jwt', alg: 'HS256' })
    expect(decode(p)).toEqual({
      scope: ACCESS_SCOPE,
      sub: 'did:plc:abc',
      aud: serviceDid,
      iat: now,
      exp: now + 7200,
    })
    expect(expiresAt).toBe(now + 7200)
    expect(verifyAccessToken(token, secret, { serviceDid, now: now + 10 })).toEqual({
      did: 'did:plc:abc',
      scope: ACCESS_SCOPE,
    })
  })

  it('issues refresh tokens with a jti and refuses them as access tokens', () => {
    const r = createRefreshToken({ did: 'did:plc:abc', serviceDid, now }, secret)
    expect(decode(r.token.split('.')[1])).toMatchObject({
      scope: REFRESH_SCOPE,
      jti: r.jti,
      exp: now + 90 * 86400,
    })
    expect(verifyRefreshToken(r.token, secret, { serviceDid, now })).toEqual({
      did: 'did:plc:abc',
      jti: r.jti,
      expiresAt: r.expiresAt,
    })
    expect(() => verifyAccessToken(r.token, secret, { serviceDid, now })).toThrow(InvalidTokenError)
    const access = createAccessToken({ did: 'did:plc:abc', serviceDid, now }, secret).token
    expect(() => verifyRefreshToken(access, secret, { serviceDid, now })).toThrow(InvalidTokenError)
  })

  it('accepts app-password scopes only when allowed', () => {
    const { token } = createAccessToken(
      { did: 'did:plc:abc', serviceDid, now, scope: APP_PASS_SCOPE },
      secret,
    )
    expect(verifyAccessToken(token, secret, { serviceDid, now }).scope).toBe(APP_PASS_SCOPE)
    expect(() => verifyAccessToken(token, secret, { serviceDid, now, allowAppPassword: false })).toThrow(
      InvalidTokenError,
    )
  })

  it('rejects expired, future, foreign-audience and wrongly signed tokens', () => {
    const { token } = createAccessToken({ did: 'did:plc:abc', serviceDid, now }, secret)
    expect(() => verifyAccessToken(token, secret, { serviceDid, now: now + 7200 })).toThrow(ExpiredTokenError)
    expect(() => verifyAccessToken(token, secret, { serviceDid, now: now - 3600 })).toThrow(/future/)
    expect(() => verifyAccessToken(token, secret, { serviceDid: 'did:web:other', now })).toThrow(/audience/)
    expect(() => verifyAccessToken(token, 'another-secret-value', { serviceDid, now })).toThrow(/signature/)
    const [h, p, s] = token.split('.')
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...decode(p), sub: 'did:plc:evil' })).toString('base64url')}.${s}`
    expect(() => verifyAccessToken(tampered, secret, { serviceDid, now })).toThrow(/signature/)
  })

  it('never accepts alg none, another algorithm, or malformed input', () => {
    const payload = { scope: ACCESS_SCOPE, sub: 'did:plc:abc', aud: serviceDid, iat: now, exp: now + 60 }
    const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')
    const none = `${enc({ alg: 'none', typ: 'at+jwt' })}.${enc(payload)}.`
    expect(() => verifyJwt(none, secret, { now })).toThrow(/algorithm/)
    const input = `${enc({ alg: 'HS512', typ: 'at+jwt' })}.${enc(payload)}`
    const hs512 = `${input}.${createHmac('sha512', secret).update(input).digest('base64url')}`
    expect(() => verifyJwt(hs512, secret, { now })).toThrow(/algorithm/)
    for (const bad of ['', 'a.b', 'a.b.c.d', '!!.??.**', 'x'.repeat(10_000)]) {
      expect(() => verifyJwt(bad, secret, { now })).toThrow(InvalidTokenError)
    }
    const noExp = signJwt({ typ: 'at+jwt' }, { ...payload, exp: undefined }, secret)
    expect(() => verifyJwt(noExp, secret, { now })).toThrow(/expiry/)
  })
})

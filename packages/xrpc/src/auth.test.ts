import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { adminBasicAuth, parseBasic, parseBearer, safeEqual } from './auth.js'
import { AuthRequiredError, ForbiddenError, XrpcConfigError } from './errors.js'
import { type Running, startServer } from './testing.js'

const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`

describe('header parsing', () => {
  it('parses Bearer tokens', () => {
    expect(parseBearer('Bearer abc.def.ghi')).toBe('abc.def.ghi')
    expect(parseBearer('bearer   tok ')).toBe('tok')
    expect(parseBearer('Bearer')).toBeUndefined()
    expect(parseBearer('Bearer a b')).toBeUndefined()
    expect(parseBearer('Basic abc')).toBeUndefined()
    expect(parseBearer(undefined)).toBeUndefined()
  })

  it('parses Basic credentials, the password keeping its colons', () => {
    expect(parseBasic('Basic YWRtaW46c2VjcmV0LXRva2Vu')).toEqual({
      username: 'admin',
      password: 'secret-token',
    })
    expect(parseBasic(basic('admin', 'a:b:c'))).toEqual({ username: 'admin', password: 'a:b:c' })
    expect(parseBasic(basic('', ''))).toEqual({ username: '', password: '' })
    expect(parseBasic(`Basic ${Buffer.from('nocolon').toString('base64')}`)).toBeUndefined()
    expect(parseBasic('Basic !!!')).toBeUndefined()
    expect(parseBasic('Bearer YWRtaW46eA==')).toBeUndefined()
  })

  it('compares secrets of any length', () => {
    expect(safeEqual('secret', 'secret')).toBe(true)
    expect(safeEqual('secret', 'secreT')).toBe(false)
    expect(safeEqual('secret', 'secret-longer')).toBe(false)
    expect(safeEqual('', '')).toBe(true)
    expect(safeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBe(true)
    expect(safeEqual(new Uint8Array([1, 2]), 'x')).toBe(false)
  })

  it('refuses an empty admin password at setup', () => {
    expect(() => adminBasicAuth('')).toThrow(XrpcConfigError)
  })
})

describe('auth verifiers on methods', () => {
  let srv: Running
  beforeAll(async () => {
    srv = await startServer((x) => {
      x.method('com.example.admin', ({ auth }) => ({ encoding: 'application/json', body: { auth } }), {
        type: 'procedure',
        auth: adminBasicAuth('hunter2'),
      })
      x.method('com.example.user', ({ auth }) => ({ encoding: 'application/json', body: { auth } }), {
        type: 'query',
        auth: ({ req, params }) => {
          const token = parseBearer(req)
          if (token === undefined) throw new AuthRequiredError('Bearer token required')
          if (token !== 'good') throw new ForbiddenError('Not for you')
          return { did: 'did:plc:alice', wanted: params.x }
        },
      })
    })
  })
  afterAll(() => srv.close())

  const call = (path: string, init: RequestInit = {}) => fetch(`${srv.url}/xrpc/${path}`, init)

  it('accepts the admin password and hands the credentials to the handler', async () => {
    const res = await call('com.example.admin', {
      method: 'POST',
      headers: { authorization: basic('admin', 'hunter2') },
    })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ auth: { type: 'admin' } })
  })

  it.each([
    ['no header', undefined],
    ['a wrong password', basic('admin', 'hunter3')],
    ['a wrong user', basic('root', 'hunter2')],
    ['a bearer token', 'Bearer hunter2'],
  ])('answers %s with 401 and a Basic challenge', async (_, header) => {
    const res = await call('com.example.admin', {
      method: 'POST',
      headers: header ? { authorization: header } : {},
    })
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic/)
    expect(((await res.json()) as { error: string }).error).toBe('AuthenticationRequired')
  })

  it('runs custom verifiers with the validated params', async () => {
    const ok = await call('com.example.user?x=1', { headers: { authorization: 'Bearer good' } })
    expect(await ok.json()).toEqual({ auth: { did: 'did:plc:alice', wanted: '1' } })
    const missing = await call('com.example.user')
    expect(missing.status).toBe(401)
    expect(missing.headers.get('www-authenticate')).toBe('Bearer')
    const forbidden = await call('com.example.user', { headers: { authorization: 'Bearer bad' } })
    expect(forbidden.status).toBe(403)
    expect(await forbidden.json()).toEqual({ error: 'Forbidden', message: 'Not for you' })
  })

  it('checks auth before reading the body', async () => {
    // A body over the JSON limit still gets the 401, not a 413: nothing was read.
    const res = await call('com.example.admin', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `"${'x'.repeat(2 * 2 ** 20)}"`,
    })
    expect(res.status).toBe(401)
  })
})

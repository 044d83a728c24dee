import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { PdsDatabase } from './db/database.js'
import { InvalidRefreshTokenError } from './errors.js'
import { SessionStore } from './sessions.js'
import { tempDir } from './testing.js'

const cleanups: (() => void | Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c()
})
let now = 1_700_000_000_000
function setup(reuseGraceSec = 0) {
  const d = tempDir()
  const db = PdsDatabase.open(join(d.path, 'db.sqlite'))
  cleanups.push(async () => {
    await db.shutdown()
    d.remove()
  })
  return new SessionStore(db, { now: () => now, reuseGraceSec })
}
const exp = () => Math.floor(now / 1000) + 3600

describe('refresh token rotation', () => {
  it('rotates a token into its successor', () => {
    const s = setup()
    s.storeRefreshToken({ id: 't1', did: 'did:plc:a', expiresAt: exp() })
    const r = s.rotateRefreshToken('t1', { id: 't2', expiresAt: exp() })
    expect(r).toEqual({ did: 'did:plc:a', appPasswordName: null, nextId: 't2', reused: false })
    expect(s.getRefreshToken('t1')?.nextId).toBe('t2')
    expect(s.rotateRefreshToken('t2', { id: 't3', expiresAt: exp() }).nextId).toBe('t3')
  })

  it('revokes the whole chain when a used token comes back', () => {
    const s = setup()
    s.storeRefreshToken({ id: 't1', did: 'did:plc:a', expiresAt: exp() })
    s.rotateRefreshToken('t1', { id: 't2', expiresAt: exp() })
    s.rotateRefreshToken('t2', { id: 't3', expiresAt: exp() })
    s.storeRefreshToken({ id: 'other', did: 'did:plc:a', expiresAt: exp() })
    expect(() => s.rotateRefreshToken('t1', { id: 'x', expiresAt: exp() })).toThrow(InvalidRefreshTokenError)
    for (const id of ['t1', 't2', 't3', 'x']) expect(s.getRefreshToken(id)).toBeNull()
    // The current holder of t3 is logged out too; an unrelated session is not.
    expect(() => s.rotateRefreshToken('t3', { id: 'y', expiresAt: exp() })).toThrow(InvalidRefreshTokenError)
    expect(s.getRefreshToken('other')).not.toBeNull()
  })

  it('tolerates a retried refresh inside the grace period when configured', () => {
    const s = setup(30)
    s.storeRefreshToken({ id: 't1', did: 'did:plc:a', expiresAt: exp() })
    s.rotateRefreshToken('t1', { id: 't2', expiresAt: exp() })
    now += 10_000
    expect(s.rotateRefreshToken('t1', { id: 'ignored', expiresAt: exp() })).toMatchObject({
      nextId: 't2',
      reused: true,
    })
    now += 60_000
    expect(() => s.rotateRefreshToken('t1', { id: 'z', expiresAt: exp() })).toThrow(InvalidRefreshTokenError)
    expect(s.getRefreshToken('t2')).toBeNull()
  })

  it('refuses unknown and expired tokens and prunes expired ones', () => {
    const s = setup()
    expect(() => s.rotateRefreshToken('nope', { id: 'x', expiresAt: exp() })).toThrow(/unknown/)
    s.storeRefreshToken({ id: 'old', did: 'did:plc:a', expiresAt: Math.floor(now / 1000) - 1 })
    expect(() => s.rotateRefreshToken('old', { id: 'x', expiresAt: exp() })).toThrow(/expired/)
    expect(s.pruneExpired()).toBe(1)
  })

  it('logs out a session and all sessions of an account', () => {
    const s = setup()
    s.storeRefreshToken({ id: 'a1', did: 'did:plc:a', expiresAt: exp() })
    s.storeRefreshToken({ id: 'a2', did: 'did:plc:a', expiresAt: exp() })
    s.storeRefreshToken({ id: 'b1', did: 'did:plc:b', expiresAt: exp() })
    s.revokeRefreshToken('a1')
    expect(s.getRefreshToken('a1')).toBeNull()
    expect(s.revokeAllForAccount('did:plc:a')).toBe(1)
    expect(s.getRefreshToken('b1')).not.toBeNull()
  })
})

describe('app passwords', () => {
  it('creates, verifies, lists and revokes, ending their sessions', async () => {
    const s = setup()
    const ap = await s.createAppPassword('did:plc:a', 'phone')
    await expect(s.createAppPassword('did:plc:a', 'phone')).rejects.toThrow(/already exists/)
    expect(await s.verifyAppPassword('did:plc:a', ap.password)).toMatchObject({
      name: 'phone',
      privileged: false,
    })
    expect(await s.verifyAppPassword('did:plc:b', ap.password)).toBeNull()
    expect(await s.verifyAppPassword('did:plc:a', 'aaaa-bbbb-cccc-dddd')).toBeNull()
    expect(s.listAppPasswords('did:plc:a').map((p) => p.name)).toEqual(['phone'])
    s.storeRefreshToken({ id: 't', did: 'did:plc:a', expiresAt: exp(), appPasswordName: 'phone' })
    s.revokeAppPassword('did:plc:a', 'phone')
    expect(await s.verifyAppPassword('did:plc:a', ap.password)).toBeNull()
    expect(s.getRefreshToken('t')).toBeNull()
  })
})

// Session bookkeeping: stored refresh tokens with rotation and reuse detection, and app
// passwords. A refresh token is single-use: refreshing stores its successor; presenting a used
// token again means it leaked (or a client misbehaves), so its whole chain is revoked.

import { generateAppPassword, hashAppPassword } from './auth/password.js'
import type { PdsDatabase } from './db/database.js'
import { InvalidRefreshTokenError, PdsError } from './errors.js'

export interface RefreshTokenRecord {
  id: string
  did: string
  appPasswordName: string | null
  /** Seconds since the epoch. */
  expiresAt: number
  nextId: string | null
}

export interface SessionStoreOptions {
  /** Milliseconds since the epoch (default Date.now). */
  now?: () => number
  /**
   * Seconds after a rotation during which presenting the old token again returns the same
   * successor instead of revoking (a client retrying a refresh whose answer it lost). Default
   * 0: any second use revokes.
   */
  reuseGraceSec?: number
}

export interface AppPassword {
  name: string
  privileged: boolean
  createdAt: string
}

/** Longest chain followed when revoking; rotation chains are one link per refresh. */
const MAX_CHAIN = 100_000
export const MAX_APP_PASSWORDS = 50

interface TokenRow {
  id: string
  did: string
  app_password_name: string | null
  expires_at: number
  next_id: string | null
  rotated_at: number | null
}

export class SessionStore {
  readonly #now: () => number
  readonly #graceSec: number

  constructor(
    readonly db: PdsDatabase,
    opts: SessionStoreOptions = {},
  ) {
    this.#now = opts.now ?? Date.now
    this.#graceSec = opts.reuseGraceSec ?? 0
  }

  #nowSec(): number {
    return Math.floor(this.#now() / 1000)
  }

  storeRefreshToken(t: {
    id: string
    did: string
    expiresAt: number
    appPasswordName?: string | null
  }): void {
    this.db
      .prepare('INSERT INTO refresh_token (id, did, app_password_name, expires_at) VALUES (?, ?, ?, ?)')
      .run(t.id, t.did, t.appPasswordName ?? null, t.expiresAt)
  }

  getRefreshToken(id: string): RefreshTokenRecord | null {
    const r = this.db.prepare('SELECT * FROM refresh_token WHERE id = ?').get(id) as TokenRow | undefined
    return r
      ? {
          id: r.id,
          did: r.did,
          appPasswordName: r.app_password_name,
          expiresAt: r.expires_at,
          nextId: r.next_id,
        }
      : null
  }

  /**
   * Spends refresh token `id`, recording `next` as its successor. Throws InvalidRefreshTokenError
   * for an unknown or expired token, and for a second use (after revoking the chain).
   */
  rotateRefreshToken(
    id: string,
    next: { id: string; expiresAt: number },
  ): { did: string; appPasswordName: string | null; nextId: string; reused: boolean } {
    const now = this.#nowSec()
    const result = this.db.transact((db) => {
      const row = db.prepare('SELECT * FROM refresh_token WHERE id = ?').get(id) as TokenRow | undefined
      if (!row) return { error: 'refresh token is unknown or revoked' } as const
      if (row.expires_at <= now) return { error: 'refresh token has expired' } as const
      if (row.next_id !== null) {
        if (this.#graceSec > 0 && row.rotated_at !== null && now - row.rotated_at <= this.#graceSec) {
          return { did: row.did, appPasswordName: row.app_password_name, nextId: row.next_id, reused: true }
        }
        this.#revokeChain(db, id)
        return { error: 'refresh token was already used; its session is revoked' } as const
      }
      db.prepare('UPDATE refresh_token SET next_id = ?, rotated_at = ? WHERE id = ?').run(next.id, now, id)
      db.prepare(
        'INSERT INTO refresh_token (id, did, app_password_name, expires_at) VALUES (?, ?, ?, ?)',
      ).run(next.id, row.did, row.app_password_name, next.expiresAt)
      return { did: row.did, appPasswordName: row.app_password_name, nextId: next.id, reused: false }
    })
    if ('error' in result) throw new InvalidRefreshTokenError(result.error)
    return result
  }

  #revokeChain(db: PdsDatabase, id: string): void {
    let cur: string | null = id
    for (let i = 0; cur !== null && i < MAX_CHAIN; i++) {
      const row = db.prepare('DELETE FROM refresh_token WHERE id = ? RETURNING next_id').get(cur) as
        | { next_id: string | null }
        | undefined
      cur = row?.next_id ?? null
    }
  }

  /** Logout: the token and every successor it already had. */
  revokeRefreshToken(id: string): void {
    this.db.transact((db) => this.#revokeChain(db, id))
  }

  revokeAllForAccount(did: string): number {
    return this.db.prepare('DELETE FROM refresh_token WHERE did = ?').run(did).changes
  }

  /** Deletes tokens past their expiry (used ones are kept until then, for reuse detection). */
  pruneExpired(): number {
    return this.db.prepare('DELETE FROM refresh_token WHERE expires_at <= ?').run(this.#nowSec()).changes
  }

  async createAppPassword(
    did: string,
    name: string,
    privileged = false,
  ): Promise<AppPassword & { password: string }> {
    if (name.length === 0 || name.length > 100)
      throw new PdsError('app password name must be 1-100 characters')
    const password = generateAppPassword()
    const hash = await hashAppPassword(did, password)
    const createdAt = new Date(this.#now()).toISOString()
    this.db.transact((db) => {
      const count = (
        db.prepare('SELECT count(*) AS n FROM app_password WHERE did = ?').get(did) as { n: number }
      ).n
      if (count >= MAX_APP_PASSWORDS)
        throw new PdsError(`at most ${MAX_APP_PASSWORDS} app passwords per account`)
      const ins = db
        .prepare(
          'INSERT OR IGNORE INTO app_password (did, name, password_hash, privileged, created_at) VALUES (?, ?, ?, ?, ?)',
        )
        .run(did, name, hash, privileged ? 1 : 0, createdAt)
      if (ins.changes === 0)
        throw new PdsError(`an app password named ${JSON.stringify(name)} already exists`)
    })
    return { name, password, privileged, createdAt }
  }

  listAppPasswords(did: string): AppPassword[] {
    const rows = this.db
      .prepare('SELECT name, privileged, created_at FROM app_password WHERE did = ? ORDER BY created_at')
      .all(did) as { name: string; privileged: number; created_at: string }[]
    return rows.map((r) => ({ name: r.name, privileged: r.privileged === 1, createdAt: r.created_at }))
  }

  /** Removes the app password and ends the sessions opened with it. */
  revokeAppPassword(did: string, name: string): void {
    this.db.transact((db) => {
      db.prepare('DELETE FROM app_password WHERE did = ? AND name = ?').run(did, name)
      db.prepare('DELETE FROM refresh_token WHERE did = ? AND app_password_name = ?').run(did, name)
    })
  }

  /** The app password `password` is, for this account, or null. */
  async verifyAppPassword(did: string, password: string): Promise<AppPassword | null> {
    if (password.length !== 19) return null
    const hash = await hashAppPassword(did, password)
    const row = this.db
      .prepare('SELECT name, privileged, created_at FROM app_password WHERE did = ? AND password_hash = ?')
      .get(did, hash) as { name: string; privileged: number; created_at: string } | undefined
    return row ? { name: row.name, privileged: row.privileged === 1, createdAt: row.created_at } : null
  }
}

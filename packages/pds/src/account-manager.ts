// Accounts hosted here: creation (account row, first commit and the `#identity`, `#account`,
// `#commit` events in one transaction, the order account-lifecycle.md recommends), lookup,
// password login, handle and email changes. Status changes and deletion are in account-status.ts.
import type { ExportableKeypair } from '@welkin/crypto'
import type { RecordWrite } from '@welkin/repo'
import { ensureValidDid, normalizeAndEnsureValidHandle, normalizeHandle } from '@welkin/syntax'
import {
  announceSync,
  changeAccountStatus,
  deleteAccount,
  emitSync,
  type StatusChange,
} from './account-status.js'
import { burnPasswordCheck, hashPassword, MAX_PASSWORD_LENGTH, verifyPassword } from './auth/password.js'
import type { BlobService } from './blobs.js'
import type { PdsDatabase } from './db/database.js'
import {
  AccountExistsError,
  AccountNotFoundError,
  EmailTakenError,
  HandleTakenError,
  InvalidInviteCodeError,
  PdsError,
} from './errors.js'
import { accountBody, identityBody } from './events.js'
import type { AppliedCommit, RepoWriter } from './repo-writer.js'
import type { AppPassword, SessionStore } from './sessions.js'

export type HostingStatus = 'active' | 'deactivated' | 'takendown' | 'suspended'

export interface Account {
  did: string
  handle: string | null
  email: string | null
  emailConfirmedAt: string | null
  status: HostingStatus
  active: boolean
  createdAt: string
  deactivatedAt: string | null
  deleteAfter: string | null
  takedownRef: string | null
  inviteCode: string | null
}

export interface CreateAccountInput {
  /** Already registered at the PLC directory (or a did:web) by the caller. */
  did: string
  handle: string
  email?: string
  password?: string
  signingKey: ExportableKeypair
  inviteCode?: string
  /** Records for the first commit (usually none). */
  records?: RecordWrite[]
}

export interface AccountRow {
  did: string
  handle: string | null
  email: string | null
  email_confirmed_at: string | null
  password_hash: string | null
  status: HostingStatus
  created_at: string
  deactivated_at: string | null
  delete_after: string | null
  takedown_ref: string | null
  invite_code: string | null
}

export function toAccount(r: AccountRow): Account {
  return {
    did: r.did,
    handle: r.handle,
    email: r.email,
    emailConfirmedAt: r.email_confirmed_at,
    status: r.status,
    active: r.status === 'active',
    createdAt: r.created_at,
    deactivatedAt: r.deactivated_at,
    deleteAfter: r.delete_after,
    takedownRef: r.takedown_ref,
    inviteCode: r.invite_code,
  }
}

function normalizeEmail(email: string): string {
  const e = email.trim().toLowerCase()
  if (e.length > 254 || !/^[^\s@]+@[^\s@]+$/.test(e)) throw new PdsError(`invalid email address`)
  return e
}

/** Maps a UNIQUE violation on the account table to the error a client understands. */
function uniqueViolation(err: unknown, handle: string | null): Error | null {
  const msg = (err as { code?: string; message?: string }).message ?? ''
  if ((err as { code?: string }).code !== 'SQLITE_CONSTRAINT_UNIQUE' && !/UNIQUE/.test(msg)) return null
  if (msg.includes('account.handle')) return new HandleTakenError(handle ?? '')
  if (msg.includes('account.email')) return new EmailTakenError()
  return null
}

export interface AccountManagerOptions {
  db: PdsDatabase
  writer: RepoWriter
  sessions: SessionStore
  blobs?: BlobService
  inviteRequired?: boolean
}

export class AccountManager {
  readonly db: PdsDatabase
  readonly writer: RepoWriter
  readonly sessions: SessionStore
  readonly blobs?: BlobService
  readonly inviteRequired: boolean

  constructor(opts: AccountManagerOptions) {
    this.db = opts.db
    this.writer = opts.writer
    this.sessions = opts.sessions
    this.blobs = opts.blobs
    this.inviteRequired = opts.inviteRequired ?? false
  }

  async createAccount(input: CreateAccountInput): Promise<{ account: Account; commit: AppliedCommit }> {
    ensureValidDid(input.did)
    const handle = normalizeAndEnsureValidHandle(input.handle)
    const email = input.email === undefined ? null : normalizeEmail(input.email)
    if (
      input.password !== undefined &&
      (input.password.length === 0 || input.password.length > MAX_PASSWORD_LENGTH)
    ) {
      throw new PdsError(`password must be 1-${MAX_PASSWORD_LENGTH} characters`)
    }
    const passwordHash = input.password === undefined ? null : await hashPassword(input.password)
    const now = new Date().toISOString()
    const seq = this.writer.sequencer
    const commit = await this.writer.createRepo(input.did, input.signingKey, input.records ?? [], (db) => {
      if (db.prepare('SELECT 1 FROM account WHERE did = ?').get(input.did))
        throw new AccountExistsError(input.did)
      if (this.inviteRequired) this.#useInvite(db, input.inviteCode, input.did, now)
      try {
        db.prepare(
          `INSERT INTO account (did, handle, email, password_hash, signing_key_alg, signing_key, status, created_at, invite_code)
           VALUES (?, ?, ?, ?, ?, ?, 'active', ?, ?)`,
        ).run(
          input.did,
          handle,
          email,
          passwordHash,
          input.signingKey.jwtAlg,
          input.signingKey.export(),
          now,
          input.inviteCode ?? null,
        )
      } catch (err) {
        throw uniqueViolation(err, handle) ?? err
      }
      seq.append(input.did, '#identity', identityBody({ did: input.did, handle }), now)
      seq.append(input.did, '#account', accountBody({ did: input.did, active: true }), now)
    })
    return { account: this.getAccount(input.did)!, commit }
  }

  #useInvite(db: PdsDatabase, code: string | undefined, did: string, now: string): void {
    if (!code) throw new InvalidInviteCodeError('an invite code is required')
    const row = db.prepare('SELECT available_uses, disabled FROM invite_code WHERE code = ?').get(code) as
      | { available_uses: number; disabled: number }
      | undefined
    if (!row || row.disabled) throw new InvalidInviteCodeError('invite code is unknown or disabled')
    const used = (
      db.prepare('SELECT count(*) AS n FROM invite_code_use WHERE code = ?').get(code) as { n: number }
    ).n
    if (used >= row.available_uses) throw new InvalidInviteCodeError('invite code has no uses left')
    db.prepare('INSERT INTO invite_code_use (code, used_by, used_at) VALUES (?, ?, ?)').run(code, did, now)
  }

  /** Creates an invite code good for `uses` accounts. */
  createInviteCode(code: string, uses: number, forAccount = 'admin', createdBy = 'admin'): void {
    if (!Number.isSafeInteger(uses) || uses < 1)
      throw new PdsError('invite code uses must be a positive integer')
    this.db
      .prepare(
        'INSERT INTO invite_code (code, available_uses, for_account, created_by, created_at) VALUES (?, ?, ?, ?, ?)',
      )
      .run(code, uses, forAccount, createdBy, new Date().toISOString())
  }

  /** By DID, handle (any case) or email. */
  getAccount(identifier: string): Account | null {
    const row = this.#row(identifier)
    return row ? toAccount(row) : null
  }

  #row(identifier: string): AccountRow | null {
    const id = identifier.trim()
    let sql = 'SELECT * FROM account WHERE handle = ?'
    let key = normalizeHandle(id)
    if (id.startsWith('did:')) {
      sql = 'SELECT * FROM account WHERE did = ?'
      key = id
    } else if (id.includes('@')) {
      sql = 'SELECT * FROM account WHERE email = ?'
      key = id.toLowerCase()
    }
    return (this.db.prepare(sql).get(key) as AccountRow | undefined) ?? null
  }

  /**
   * Checks a login: the account password, or one of its app passwords. Null when the identifier
   * or password is wrong (the caller answers AuthenticationRequired either way, and the time
   * taken does not tell which).
   */
  async login(
    identifier: string,
    password: string,
  ): Promise<{ account: Account; appPassword: AppPassword | null } | null> {
    const row = this.#row(identifier)
    if (!row) {
      await burnPasswordCheck(password)
      return null
    }
    if (row.password_hash !== null && (await verifyPassword(password, row.password_hash))) {
      return { account: toAccount(row), appPassword: null }
    }
    const app = await this.sessions.verifyAppPassword(row.did, password)
    return app ? { account: toAccount(row), appPassword: app } : null
  }

  /** Sets a new password and ends every session of the account. */
  async setPassword(did: string, password: string): Promise<void> {
    if (password.length === 0 || password.length > MAX_PASSWORD_LENGTH) {
      throw new PdsError(`password must be 1-${MAX_PASSWORD_LENGTH} characters`)
    }
    const hash = await hashPassword(password)
    this.db.transact((db) => {
      const r = db.prepare('UPDATE account SET password_hash = ? WHERE did = ?').run(hash, did)
      if (r.changes === 0) throw new AccountNotFoundError(did)
      db.prepare('DELETE FROM refresh_token WHERE did = ?').run(did)
    })
  }

  updateEmail(did: string, email: string): void {
    const e = normalizeEmail(email)
    try {
      const r = this.db
        .prepare('UPDATE account SET email = ?, email_confirmed_at = NULL WHERE did = ? AND email IS NOT ?')
        .run(e, did, e)
      if (r.changes === 0 && !this.getAccount(did)) throw new AccountNotFoundError(did)
    } catch (err) {
      throw uniqueViolation(err, null) ?? err
    }
  }

  confirmEmail(did: string): void {
    this.db
      .prepare('UPDATE account SET email_confirmed_at = ? WHERE did = ?')
      .run(new Date().toISOString(), did)
  }

  /**
   * Changes the handle and appends an `#identity` event carrying it, atomically (the caller has
   * already updated the DID document when the handle is in it).
   */
  updateHandle(did: string, handle: string): Promise<void> {
    const h = normalizeAndEnsureValidHandle(handle)
    return this.writer.exclusive(did, () => {
      const seq = this.writer.sequencer
      seq.transact((db) => {
        try {
          const r = db.prepare('UPDATE account SET handle = ? WHERE did = ?').run(h, did)
          if (r.changes === 0) throw new AccountNotFoundError(did)
        } catch (err) {
          throw uniqueViolation(err, h) ?? err
        }
        seq.append(did, '#identity', identityBody({ did, handle: h }))
      })
    })
  }

  /** Appends an `#identity` event with the current handle (after a DID document change). */
  emitIdentity(did: string): Promise<void> {
    return this.writer.exclusive(did, () => {
      const seq = this.writer.sequencer
      seq.transact((db) => {
        const row = db.prepare('SELECT handle FROM account WHERE did = ?').get(did) as
          | { handle: string | null }
          | undefined
        if (!row) throw new AccountNotFoundError(did)
        seq.append(did, '#identity', identityBody({ did, handle: row.handle ?? undefined }))
      })
    })
  }

  /**
   * Changes hosting status with its `#account` event; going active also appends an empty
   * `#commit` (when the status changed) and a `#sync` (see account-status.ts).
   */
  setStatus(
    did: string,
    change: StatusChange,
    opts?: { emptyCommit?: boolean },
  ): Promise<AppliedCommit | null> {
    return changeAccountStatus(this.writer, did, change, opts)
  }

  deactivate(did: string, deleteAfter?: string): Promise<AppliedCommit | null> {
    return this.setStatus(did, { status: 'deactivated', deleteAfter })
  }

  activate(did: string, opts?: { emptyCommit?: boolean }): Promise<AppliedCommit | null> {
    return this.setStatus(did, { status: 'active' }, opts)
  }

  /** Removes the account, its repo, records, blobs and sessions; appends `#account` deleted. */
  deleteAccount(did: string): Promise<void> {
    return deleteAccount(this.writer, this.blobs, did)
  }

  /** Appends `#sync` with the current commit; throws for an inactive account or no repo. */
  emitSync(did: string): Promise<number> {
    return emitSync(this.writer, did)
  }

  /** Appends `#sync` when the account is active and has a repo; null otherwise. */
  announceSync(did: string): Promise<number | null> {
    return announceSync(this.writer, did)
  }
}

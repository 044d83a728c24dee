// Subjects of com.atproto.admin.{get,update}SubjectStatus. Only whole accounts (repoRef) are
// supported here; record and blob takedowns are refused with a clear message.
import { InvalidRequestError } from '@welkin/xrpc'
import type { Account } from '../../account-manager.js'
import type { PdsContext } from '../../context.js'

export const REPO_REF = 'com.atproto.admin.defs#repoRef'

export function accountFor(ctx: PdsContext, did: string): Account {
  const account = ctx.store.accounts.getAccount(did)
  if (account === null) throw new InvalidRequestError(`no account ${did}`, 'AccountNotFound')
  return account
}

export function unsupportedSubject(): InvalidRequestError {
  return new InvalidRequestError('only account subjects (repoRef) are supported by this server')
}

/** The admin view of an account's status. */
export function subjectStatus(account: Account) {
  const down = account.status === 'takendown' || account.status === 'suspended'
  const takedown: Record<string, unknown> = { applied: down }
  if (down && account.takedownRef) takedown.ref = account.takedownRef
  return {
    subject: { $type: REPO_REF, did: account.did },
    takedown,
    deactivated: { applied: account.status === 'deactivated' },
  }
}

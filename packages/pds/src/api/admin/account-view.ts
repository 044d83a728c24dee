// com.atproto.admin.defs#accountView of a local account.
import type { Account } from '../../account-manager.js'

export function accountView(a: Account): Record<string, unknown> {
  const view: Record<string, unknown> = {
    did: a.did,
    handle: a.handle ?? 'handle.invalid',
    indexedAt: a.createdAt,
    invitesDisabled: false,
  }
  if (a.email !== null) view.email = a.email
  if (a.emailConfirmedAt !== null) view.emailConfirmedAt = a.emailConfirmedAt
  if (a.deactivatedAt !== null) view.deactivatedAt = a.deactivatedAt
  return view
}

// Invite codes for PDS_INVITE_REQUIRED servers, in the official `<hostname>-xxxxx-xxxxx` shape.
import { randomBytes } from 'node:crypto'
import { InvalidRequestError } from '@welkin/xrpc'
import type { PdsContext } from '../../context.js'

export const MAX_INVITE_USES = 1_000_000
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567'

export function checkUseCount(useCount: number): void {
  if (!Number.isSafeInteger(useCount) || useCount < 1 || useCount > MAX_INVITE_USES) {
    throw new InvalidRequestError(`useCount must be 1-${MAX_INVITE_USES}`)
  }
}

/** Stores and returns a fresh code good for `uses` accounts. */
export function createInvite(ctx: PdsContext, uses: number, forAccount: string): string {
  const bytes = randomBytes(10)
  let s = ''
  for (let i = 0; i < 10; i++) s += (i === 5 ? '-' : '') + ALPHABET[bytes[i] & 31]
  const code = `${ctx.config.service.hostname.replaceAll('.', '-')}-${s}`
  ctx.store.accounts.createInviteCode(code, uses, forAccount)
  return code
}

// The com.atproto.server.* methods: accounts, sessions, app passwords, invite codes.
import type { XrpcServer } from '@welkin/xrpc'
import type { PdsContext } from '../../context.js'
import { register as activateAccount } from './activateAccount.js'
import { register as checkAccountStatus } from './checkAccountStatus.js'
import { register as createAccount } from './createAccount.js'
import { register as createAppPassword } from './createAppPassword.js'
import { register as createInviteCode } from './createInviteCode.js'
import { register as createInviteCodes } from './createInviteCodes.js'
import { register as createSession } from './createSession.js'
import { register as deactivateAccount } from './deactivateAccount.js'
import { register as deleteAccount } from './deleteAccount.js'
import { register as deleteSession } from './deleteSession.js'
import { register as describeServer } from './describeServer.js'
import { register as getServiceAuth } from './getServiceAuth.js'
import { register as getSession } from './getSession.js'
import { register as listAppPasswords } from './listAppPasswords.js'
import { register as refreshSession } from './refreshSession.js'
import { register as requestAccountDelete } from './requestAccountDelete.js'
import { register as revokeAppPassword } from './revokeAppPassword.js'

const METHODS = [
  describeServer,
  createAccount,
  createSession,
  getSession,
  refreshSession,
  deleteSession,
  getServiceAuth,
  activateAccount,
  deactivateAccount,
  checkAccountStatus,
  requestAccountDelete,
  deleteAccount,
  createAppPassword,
  listAppPasswords,
  revokeAppPassword,
  createInviteCode,
  createInviteCodes,
]

export function registerServerApi(server: XrpcServer, ctx: PdsContext): void {
  for (const register of METHODS) register(server, ctx)
}

// The com.atproto.admin.* methods, behind Basic `admin:PDS_ADMIN_PASSWORD`.
import type { XrpcServer } from '@welkin/xrpc'
import type { PdsContext } from '../../context.js'
import { register as deleteAccount } from './deleteAccount.js'
import { register as getAccountInfo } from './getAccountInfo.js'
import { register as getAccountInfos } from './getAccountInfos.js'
import { register as getSubjectStatus } from './getSubjectStatus.js'
import { register as updateAccountEmail } from './updateAccountEmail.js'
import { register as updateAccountHandle } from './updateAccountHandle.js'
import { register as updateAccountPassword } from './updateAccountPassword.js'
import { register as updateSubjectStatus } from './updateSubjectStatus.js'

const METHODS = [
  getAccountInfo,
  getAccountInfos,
  getSubjectStatus,
  updateSubjectStatus,
  deleteAccount,
  updateAccountHandle,
  updateAccountPassword,
  updateAccountEmail,
]

export function registerAdminApi(server: XrpcServer, ctx: PdsContext): void {
  for (const register of METHODS) register(server, ctx)
}

// The com.atproto.identity.* methods: handles and the account's DID document.
import type { XrpcServer } from '@welkin/xrpc'
import type { PdsContext } from '../../context.js'
import { register as getRecommendedDidCredentials } from './getRecommendedDidCredentials.js'
import { register as requestPlcOperationSignature } from './requestPlcOperationSignature.js'
import { register as resolveHandle } from './resolveHandle.js'
import { register as signPlcOperation } from './signPlcOperation.js'
import { register as submitPlcOperation } from './submitPlcOperation.js'
import { register as updateHandle } from './updateHandle.js'

const METHODS = [
  resolveHandle,
  updateHandle,
  getRecommendedDidCredentials,
  requestPlcOperationSignature,
  signPlcOperation,
  submitPlcOperation,
]

export function registerIdentityApi(server: XrpcServer, ctx: PdsContext): void {
  for (const register of METHODS) register(server, ctx)
}

// Changing an account's handle (identity.updateHandle, admin.updateAccountHandle): check the
// handle, update the DID document at the directory when it names another handle (a plc op
// signed with this server's rotation key), then store the handle with its `#identity` event.
import { type PlcOp, updateHandleOp } from '@welkin/identity'
import { InvalidRequestError } from '@welkin/xrpc'
import type { PdsContext } from '../../context.js'
import { checkHandleShape, ensureHandleFree, ensureHandleResolvesTo } from './handle.js'

function currentHandle(op: PlcOp): string | undefined {
  if (op.type === 'plc_tombstone') return undefined
  if (op.type === 'create') return op.handle
  return op.alsoKnownAs.find((a) => a.startsWith('at://'))?.slice('at://'.length)
}

/** `byAdmin` skips the reserved-name rule and the resolution check of an outside domain. */
export async function changeHandle(
  ctx: PdsContext,
  did: string,
  rawHandle: string,
  byAdmin = false,
): Promise<string> {
  const { handle, serviceDomain } = checkHandleShape(
    rawHandle,
    ctx.config.identity.serviceHandleDomains,
    byAdmin,
  )
  if (ctx.store.accounts.getAccount(did) === null) {
    throw new InvalidRequestError(`no account ${did} on this server`, 'AccountNotFound')
  }
  ensureHandleFree(ctx, handle, did)
  if (serviceDomain === null && !byAdmin) await ensureHandleResolvesTo(ctx, handle, did)
  await ctx.services.identityQueue.run(did, async () => {
    if (did.startsWith('did:plc:')) {
      const last = await ctx.services.plc.getLastOp(did)
      if (last === null || last.type === 'plc_tombstone') {
        throw new InvalidRequestError(`${did} is not active at the PLC directory`)
      }
      if (currentHandle(last) !== handle) {
        await ctx.services.plc.submit(
          did,
          await updateHandleOp(last, ctx.store.secrets.plcRotationKey, handle),
        )
      }
    }
    await ctx.store.accounts.updateHandle(did, handle)
  })
  await ctx.services.resolver.did.resolve(did, { forceRefresh: true }).catch(() => null)
  ctx.log('handle changed', { did, handle, byAdmin })
  return handle
}

// com.atproto.sync.getRepoStatus: whether the repo is served here and, when it is, its rev.
import { InvalidRequestError, type XrpcServer } from '@welkin/xrpc'
import type { PdsContext } from '../../context.js'

export function register(server: XrpcServer, ctx: PdsContext): void {
  server.method('com.atproto.sync.getRepoStatus', ({ params }) => {
    const did = params.did as string
    const status = ctx.accountStatus(did)
    if (status === null) throw new InvalidRequestError(`Could not find repo for DID: ${did}`, 'RepoNotFound')
    const active = status === 'active'
    return {
      encoding: 'application/json',
      body: {
        did,
        active,
        status: active ? undefined : status,
        rev: active ? ctx.store.reader.getRoot(did)?.rev : undefined,
      },
    }
  })
}

// com.atproto.repo.describeRepo: the account's handle, DID document and collections. The
// document is fetched fresh (refreshing the shared cache), so `handleIsCorrect` follows a handle
// change at once; this is not a hot path.
import { type DidDocument, getHandle } from '@welkin/identity'
import { InvalidRequestError, type XrpcServer } from '@welkin/xrpc'
import type { PdsContext } from '../../context.js'
import { readableRepo } from './access.js'

export function register(server: XrpcServer, ctx: PdsContext): void {
  server.method('com.atproto.repo.describeRepo', async ({ params }) => {
    const repo = params.repo as string
    const did = readableRepo(ctx, repo)
    const account = ctx.store.accounts.getAccount(did)
    if (account === null) throw new InvalidRequestError(`Could not find repo: ${repo}`)
    let didDoc: DidDocument
    try {
      didDoc = await ctx.services.resolver.did.ensureResolve(did, { forceRefresh: true })
    } catch (err) {
      // The official PDS answers a 400 here too.
      throw new InvalidRequestError(`Could not resolve DID ${did}: ${(err as Error).message}`)
    }
    return {
      encoding: 'application/json',
      body: {
        handle: account.handle ?? 'handle.invalid',
        did,
        didDoc,
        collections: ctx.store.reader.listCollections(did),
        handleIsCorrect: account.handle !== null && getHandle(didDoc) === account.handle,
      },
    }
  })
}

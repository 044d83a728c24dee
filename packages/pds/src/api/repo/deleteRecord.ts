// com.atproto.repo.deleteRecord: deleting a record that is not there succeeds without a commit
// (the lexicon: "delete a record, or ensure it doesn't exist"), unless a swap says otherwise.
import type { JsonInput, XrpcServer } from '@welkin/xrpc'
import type { AccessCredentials, PdsContext } from '../../context.js'
import { writableRepo } from './access.js'
import { parseCid } from './cid-param.js'
import { commitMeta, commitWrites, currentRecordCid } from './commit.js'

interface Input {
  repo: string
  collection: string
  rkey: string
  swapRecord?: string
  swapCommit?: string
}

export function register(server: XrpcServer, ctx: PdsContext): void {
  server.method<AccessCredentials>(
    'com.atproto.repo.deleteRecord',
    async ({ input, auth }) => {
      const body = (input as JsonInput).data as unknown as Input
      const did = writableRepo(ctx, body.repo, auth)
      const swapCommit = parseCid(body.swapCommit, 'swapCommit')
      const swapRecord = parseCid(body.swapRecord, 'swapRecord')
      const { collection, rkey } = body
      // A missing record with a swapRecord goes to the writer, which answers InvalidSwap.
      if (swapRecord === undefined && currentRecordCid(ctx, did, collection, rkey) === null) {
        return { encoding: 'application/json', body: {} }
      }
      const commit = await commitWrites(
        ctx,
        did,
        [{ action: 'delete', collection, rkey, swapRecord }],
        swapCommit,
      )
      return { encoding: 'application/json', body: { commit: commitMeta(commit) } }
    },
    { auth: ctx.auth.access },
  )
}

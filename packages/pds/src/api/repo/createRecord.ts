// com.atproto.repo.createRecord: one new record, its key a TID unless the client names one.
import type { DataValue } from '@welkin/data'
import type { JsonInput, XrpcServer } from '@welkin/xrpc'
import type { AccessCredentials, PdsContext } from '../../context.js'
import { writableRepo } from './access.js'
import { checkBlobRefs } from './blob-check.js'
import { parseCid } from './cid-param.js'
import { commitMeta, commitWrites } from './commit.js'
import { prepareRecord } from './prepare.js'

interface Input {
  repo: string
  collection: string
  rkey?: string
  validate?: boolean
  record: DataValue
  swapCommit?: string
}

export function register(server: XrpcServer, ctx: PdsContext): void {
  server.method<AccessCredentials>(
    'com.atproto.repo.createRecord',
    async ({ input, auth }) => {
      const body = (input as JsonInput).data as unknown as Input
      const did = writableRepo(ctx, body.repo, auth)
      const swapCommit = parseCid(body.swapCommit, 'swapCommit')
      const prepared = prepareRecord(ctx.lexicons, body.collection, body.rkey, body.record, body.validate)
      checkBlobRefs(ctx, did, prepared.record)
      const commit = await commitWrites(
        ctx,
        did,
        [{ action: 'create', collection: body.collection, rkey: prepared.rkey, record: prepared.record }],
        swapCommit,
      )
      const result = commit.results[0]
      return {
        encoding: 'application/json',
        body: {
          uri: result.uri,
          cid: result.cid!.toString(),
          commit: commitMeta(commit),
          validationStatus: prepared.validationStatus,
        },
      }
    },
    { auth: ctx.auth.access },
  )
}

// com.atproto.repo.putRecord: creates or replaces the record at a key. Writing the record that
// is already there is a no-op answered without a commit, as the official PDS does.
import { cidForData, type DataValue } from '@welkin/data'
import { InvalidRequestError, type JsonInput, type XrpcServer } from '@welkin/xrpc'
import type { AccessCredentials, PdsContext } from '../../context.js'
import { writableRepo } from './access.js'
import { checkBlobRefs } from './blob-check.js'
import { parseCid } from './cid-param.js'
import { commitMeta, commitWrites, currentRecordCid } from './commit.js'
import { prepareRecord } from './prepare.js'

interface Input {
  repo: string
  collection: string
  rkey: string
  validate?: boolean
  record: DataValue
  swapRecord?: string | null
  swapCommit?: string
}

export function register(server: XrpcServer, ctx: PdsContext): void {
  server.method<AccessCredentials>(
    'com.atproto.repo.putRecord',
    async ({ input, auth }) => {
      const body = (input as JsonInput).data as unknown as Input
      const did = writableRepo(ctx, body.repo, auth)
      const swapCommit = parseCid(body.swapCommit, 'swapCommit')
      const swapRecord = body.swapRecord === null ? null : parseCid(body.swapRecord, 'swapRecord')
      const { collection, rkey } = body
      const prepared = prepareRecord(ctx.lexicons, collection, rkey, body.record, body.validate)
      checkBlobRefs(ctx, did, prepared.record)
      const current = currentRecordCid(ctx, did, collection, rkey)
      const cid = cidForData(prepared.record)
      const uri = `at://${did}/${collection}/${rkey}`
      if (current?.equals(cid)) {
        // Nothing to commit, but the swaps must still hold.
        if (swapRecord !== undefined && !swapRecord?.equals(current))
          throw new InvalidRequestError(`swapRecord ${swapRecord} does not match ${current}`, 'InvalidSwap')
        const head = ctx.store.reader.getRoot(did)?.cid
        if (swapCommit !== undefined && !(head && swapCommit.equals(head)))
          throw new InvalidRequestError(`swapCommit ${swapCommit} does not match ${head}`, 'InvalidSwap')
        return {
          encoding: 'application/json',
          body: { uri, cid: cid.toString(), validationStatus: prepared.validationStatus },
        }
      }
      const commit = await commitWrites(
        ctx,
        did,
        [{ action: current ? 'update' : 'create', collection, rkey, record: prepared.record, swapRecord }],
        swapCommit,
      )
      return {
        encoding: 'application/json',
        body: {
          uri,
          cid: cid.toString(),
          commit: commitMeta(commit),
          validationStatus: prepared.validationStatus,
        },
      }
    },
    { auth: ctx.auth.access },
  )
}

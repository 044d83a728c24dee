// com.atproto.repo.applyWrites: a batch of creates, updates and deletes as one commit, all or
// nothing. Each write may carry a `swapRecord` (an extension the lexicon's open objects allow:
// the CID the record must have now, null for "must not exist").
import type { DataValue } from '@welkin/data'
import { InvalidRequestError, type JsonInput, type XrpcServer } from '@welkin/xrpc'
import type { AccessCredentials, PdsContext } from '../../context.js'
import type { RepoWrite } from '../../repo-writer.js'
import { writableRepo } from './access.js'
import { checkBlobRefs } from './blob-check.js'
import { parseCid } from './cid-param.js'
import { commitMeta, commitWrites, MAX_WRITES } from './commit.js'
import { prepareRecord, type ValidationStatus } from './prepare.js'

const CREATE = 'com.atproto.repo.applyWrites#create'
const UPDATE = 'com.atproto.repo.applyWrites#update'
const DELETE = 'com.atproto.repo.applyWrites#delete'

interface Write {
  $type: typeof CREATE | typeof UPDATE | typeof DELETE
  collection: string
  rkey?: string
  value?: DataValue
  swapRecord?: string | null
}

interface Input {
  repo: string
  validate?: boolean
  writes: Write[]
  swapCommit?: string
}

type Result =
  | { $type: string; uri: string; cid: string; validationStatus?: ValidationStatus }
  | { $type: string }

export function register(server: XrpcServer, ctx: PdsContext): void {
  server.method<AccessCredentials>(
    'com.atproto.repo.applyWrites',
    async ({ input, auth }) => {
      const body = (input as JsonInput).data as unknown as Input
      const did = writableRepo(ctx, body.repo, auth)
      if (body.writes.length > MAX_WRITES) {
        throw new InvalidRequestError(`Too many writes: ${body.writes.length}, at most ${MAX_WRITES}`)
      }
      const swapCommit = parseCid(body.swapCommit, 'swapCommit')
      const statuses: (ValidationStatus | undefined)[] = []
      const writes: RepoWrite[] = body.writes.map((w, i) => {
        const swapRecord = w.swapRecord === null ? null : parseCid(w.swapRecord, `writes[${i}].swapRecord`)
        if (w.$type === DELETE) {
          statuses.push(undefined)
          return { action: 'delete', collection: w.collection, rkey: w.rkey!, swapRecord }
        }
        const prepared = prepareRecord(ctx.lexicons, w.collection, w.rkey, w.value, body.validate)
        checkBlobRefs(ctx, did, prepared.record)
        statuses.push(prepared.validationStatus)
        const action = w.$type === CREATE ? 'create' : 'update'
        return { action, collection: w.collection, rkey: prepared.rkey, record: prepared.record, swapRecord }
      })
      const commit = await commitWrites(ctx, did, writes, swapCommit)
      const results: Result[] = commit.results.map((r, i) =>
        r.action === 'delete'
          ? { $type: `${DELETE}Result` }
          : {
              $type: `${r.action === 'create' ? CREATE : UPDATE}Result`,
              uri: r.uri,
              cid: r.cid!.toString(),
              validationStatus: statuses[i],
            },
      )
      return { encoding: 'application/json', body: { commit: commitMeta(commit), results } }
    },
    { auth: ctx.auth.access },
  )
}

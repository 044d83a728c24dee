// com.atproto.repo.listRecords: a collection's records by key, newest (highest key) first unless
// `reverse`; the cursor is the last key of the page.
import type { XrpcServer } from '@welkin/xrpc'
import type { PdsContext } from '../../context.js'
import { readableRepo } from './access.js'

export function register(server: XrpcServer, ctx: PdsContext): void {
  server.method('com.atproto.repo.listRecords', ({ params }) => {
    const did = readableRepo(ctx, params.repo as string)
    const limit = params.limit as number
    const records = ctx.store.reader.listRecords(did, params.collection as string, {
      limit,
      cursor: params.cursor as string | undefined,
      reverse: params.reverse === true,
    })
    const last = records.at(-1)
    return {
      encoding: 'application/json',
      body: {
        cursor: records.length === limit && last ? last.uri.slice(last.uri.lastIndexOf('/') + 1) : undefined,
        records: records.map((r) => ({ uri: r.uri, cid: r.cid.toString(), value: r.value })),
      },
    }
  })
}

// com.atproto.repo.getRecord: a record of a repo hosted here, optionally at a given version.
import { InvalidRequestError, type XrpcServer } from '@welkin/xrpc'
import type { PdsContext } from '../../context.js'
import { lookupDid } from './access.js'
import { parseCid } from './cid-param.js'

export function register(server: XrpcServer, ctx: PdsContext): void {
  server.method('com.atproto.repo.getRecord', ({ params }) => {
    const repo = params.repo as string
    const collection = params.collection as string
    const rkey = params.rkey as string
    const cid = parseCid(params.cid, 'cid')
    const did = lookupDid(ctx, repo)
    const record =
      did !== null && ctx.accountStatus(did) === 'active'
        ? ctx.store.reader.getRecord(did, collection, rkey, cid)
        : null
    if (record === null) {
      const version = cid === undefined ? '' : ` at ${cid}`
      throw new InvalidRequestError(
        `Could not locate record: at://${repo}/${collection}/${rkey}${version}`,
        'RecordNotFound',
      )
    }
    return {
      encoding: 'application/json',
      body: { uri: record.uri, cid: record.cid.toString(), value: record.value },
    }
  })
}

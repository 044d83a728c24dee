// com.atproto.sync.getRecord: a record with its proof, as a CAR: the signed commit, the MST
// nodes from the root down to the record, and the record block (repository.md).
import { type CID, encodeCar } from '@welkin/data'
import { getRecordProof } from '@welkin/repo'
import { InvalidRequestError, type XrpcServer } from '@welkin/xrpc'
import type { PdsContext } from '../../context.js'
import { assertRepoAvailable, type Viewer, viewerAuth } from './availability.js'

export function register(server: XrpcServer, ctx: PdsContext): void {
  server.method<Viewer>(
    'com.atproto.sync.getRecord',
    async ({ params, auth }) => {
      const did = params.did as string
      const collection = params.collection as string
      const rkey = params.rkey as string
      assertRepoAvailable(ctx, did, auth)
      const record = ctx.store.reader.getRecord(did, collection, rkey)
      const root = ctx.store.reader.getRoot(did)
      if (root === null) {
        throw new InvalidRequestError(`Could not find repo for DID: ${did}`, 'RepoNotFound')
      }
      // An absent record still gets a CAR: the path from the root down to where the key would be
      // proves its absence ("existence or non-existence", as the lexicon and the official PDS do).
      // Nodes and the commit come from the repo's block store; the record block is the row just
      // read (the store would find a record by CID only by scanning the account's records). Every
      // read is synchronous, so the proof completes within microtasks: even if a commit lands
      // meanwhile, the nodes of `root` are only collected on a later turn.
      const nodes = ctx.store.writer.storeFor(did)
      const store = {
        getBytes: (cid: CID) => (record && cid.equals(record.cid) ? record.bytes : nodes.getBytes(cid)),
      }
      const proof = await getRecordProof(store, root.cid, collection, rkey)
      return { encoding: 'application/vnd.ipld.car', body: encodeCar([proof.commit], proof.blocks) }
    },
    { auth: viewerAuth(ctx) },
  )
}

// com.atproto.repo.*: record reads and writes, blob uploads. One file per method.
import type { XrpcServer } from '@welkin/xrpc'
import type { PdsContext } from '../../context.js'
import * as applyWrites from './applyWrites.js'
import * as createRecord from './createRecord.js'
import * as deleteRecord from './deleteRecord.js'
import * as describeRepo from './describeRepo.js'
import * as getRecord from './getRecord.js'
import * as listMissingBlobs from './listMissingBlobs.js'
import * as listRecords from './listRecords.js'
import * as putRecord from './putRecord.js'
import * as uploadBlob from './uploadBlob.js'

export function registerRepoApi(server: XrpcServer, ctx: PdsContext): void {
  for (const m of [
    createRecord,
    putRecord,
    deleteRecord,
    applyWrites,
    getRecord,
    listRecords,
    describeRepo,
    uploadBlob,
    listMissingBlobs,
  ]) {
    m.register(server, ctx)
  }
}

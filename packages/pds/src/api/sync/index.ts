// com.atproto.sync.*: repo exports, proofs, blocks, blobs, the account listing and the
// subscribeRepos stream; and the crawler notifier that tells relays about new events.
import type { XrpcServer } from '@welkin/xrpc'
import type { PdsContext } from '../../context.js'
import { CrawlerNotifier, crawlHostname } from '../../crawlers.js'
import { RepoFirehose } from './firehose.js'
import * as getBlob from './getBlob.js'
import * as getBlocks from './getBlocks.js'
import * as getCheckout from './getCheckout.js'
import * as getHead from './getHead.js'
import * as getLatestCommit from './getLatestCommit.js'
import * as getRecord from './getRecord.js'
import * as getRepo from './getRepo.js'
import * as getRepoStatus from './getRepoStatus.js'
import * as listBlobs from './listBlobs.js'
import * as listRepos from './listRepos.js'
import * as subscribeRepos from './subscribeRepos.js'

export function registerSyncApi(server: XrpcServer, ctx: PdsContext): { close(): Promise<void> } {
  for (const m of [
    getRepo,
    getLatestCommit,
    getRecord,
    getBlocks,
    getBlob,
    listBlobs,
    listRepos,
    getRepoStatus,
    getHead,
    getCheckout,
  ]) {
    m.register(server, ctx)
  }
  const firehose = new RepoFirehose(ctx.store.events, ctx.store.sequencer, {
    maxBufferFrames: ctx.config.subscription.maxBuffer,
  })
  subscribeRepos.register(server, firehose)
  const crawlers = new CrawlerNotifier({
    hostname: crawlHostname(ctx.config.service),
    crawlers: ctx.config.crawlers,
    log: ctx.log,
  })
  const unsubscribe = ctx.store.sequencer.subscribe(() => crawlers.notifyOfUpdate())
  return {
    async close() {
      unsubscribe()
      crawlers.close()
      firehose.close()
    },
  }
}

// The relay's com.atproto.sync endpoints (one file per method; subscribeRepos is served by
// server/stream-endpoint.ts).
import type { XrpcServer } from '@welkin/xrpc'
import type { RelayContext } from '../context.js'
import { getHostStatus } from './getHostStatus.js'
import { getLatestCommit } from './getLatestCommit.js'
import { getRepo } from './getRepo.js'
import { getRepoStatus } from './getRepoStatus.js'
import { listHosts } from './listHosts.js'
import { listRepos } from './listRepos.js'
import { listReposByCollection } from './listReposByCollection.js'
import { requestCrawl } from './requestCrawl.js'

export function registerSyncApi(server: XrpcServer, ctx: RelayContext): void {
  listRepos(server, ctx)
  getRepoStatus(server, ctx)
  getLatestCommit(server, ctx)
  listHosts(server, ctx)
  getHostStatus(server, ctx)
  requestCrawl(server, ctx)
  listReposByCollection(server, ctx)
  getRepo(server, ctx)
}

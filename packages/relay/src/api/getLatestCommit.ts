import { InvalidRequestError, type XrpcServer } from '@welkin/xrpc'
import type { RelayContext } from '../context.js'
import { hostingStatus } from '../state/repo-state.js'
import { binToCid } from '../util/bin.js'
import { repoNotFound } from './errors.js'

// The lexicon's error names for an account that is not active here.
const STATUS_ERRORS: Record<string, string> = {
  takendown: 'RepoTakendown',
  suspended: 'RepoSuspended',
  deactivated: 'RepoDeactivated',
}

export function getLatestCommit(server: XrpcServer, ctx: RelayContext): void {
  server.method('com.atproto.sync.getLatestCommit', ({ params }) => {
    const did = params.did as string
    const s = ctx.state.get(did)
    if (!s || s.head === null || s.rev === null) throw repoNotFound(did)
    const status = hostingStatus(s)
    if (!status.active) {
      const name = STATUS_ERRORS[status.status ?? ''] ?? 'RepoNotFound'
      throw new InvalidRequestError(`Repo is ${status.status ?? 'not active'}: ${did}`, name)
    }
    return { encoding: 'application/json', body: { cid: binToCid(s.head).toString(), rev: s.rev } }
  })
}

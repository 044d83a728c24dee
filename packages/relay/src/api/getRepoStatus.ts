import type { XrpcServer } from '@welkin/xrpc'
import type { RelayContext } from '../context.js'
import { hostingStatus } from '../state/repo-state.js'
import { repoNotFound } from './errors.js'

export function getRepoStatus(server: XrpcServer, ctx: RelayContext): void {
  server.method('com.atproto.sync.getRepoStatus', ({ params }) => {
    const did = params.did as string
    const s = ctx.state.get(did)
    if (!s || (s.head === null && s.upstreamActive && !s.takedown)) throw repoNotFound(did)
    const status = hostingStatus(s)
    const body: Record<string, unknown> = { did, active: status.active }
    if (status.status) body.status = status.status
    if (status.active && s.rev) body.rev = s.rev
    return { encoding: 'application/json', body }
  })
}

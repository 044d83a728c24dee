import { InvalidRequestError, type XrpcServer } from '@welkin/xrpc'
import type { RelayContext } from '../context.js'
import { hostView } from './listHosts.js'

export function getHostStatus(server: XrpcServer, ctx: RelayContext): void {
  server.method('com.atproto.sync.getHostStatus', ({ params }) => {
    const host = ctx.hosts.find(params.hostname as string)
    if (!host) throw new InvalidRequestError(`Host not found: ${params.hostname}`, 'HostNotFound')
    return { encoding: 'application/json', body: hostView(host) }
  })
}

// com.atproto.identity.resolveHandle: accounts hosted here first (no lookups), then DNS TXT and
// /.well-known/atproto-did through the SSRF-safe resolver. Handles under the service domains
// are never looked up elsewhere: this server is their authority.
import { normalizeHandle } from '@welkin/syntax'
import { InvalidRequestError, type XrpcServer } from '@welkin/xrpc'
import type { PdsContext } from '../../context.js'

export function register(server: XrpcServer, ctx: PdsContext): void {
  const domains = ctx.config.identity.serviceHandleDomains
  const notFound = () => new InvalidRequestError('Unable to resolve handle', 'HandleNotFound')
  server.method('com.atproto.identity.resolveHandle', async ({ params }) => {
    const handle = normalizeHandle(params.handle as string)
    const local = ctx.store.accounts.getAccount(handle)
    if (local !== null) return { encoding: 'application/json', body: { did: local.did } }
    if (domains.some((d) => handle.endsWith(d))) throw notFound()
    let did: string | null
    try {
      did = await ctx.services.resolver.handle.resolve(handle)
    } catch {
      did = null
    }
    if (did === null) throw notFound()
    return { encoding: 'application/json', body: { did } }
  })
}

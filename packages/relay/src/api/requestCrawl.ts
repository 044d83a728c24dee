import { type JsonInput, RateLimiter, type XrpcServer } from '@welkin/xrpc'
import type { RelayContext } from '../context.js'
import { hostErrorToXrpc } from './errors.js'

export function requestCrawl(server: XrpcServer, ctx: RelayContext): void {
  // Anyone may ask; each client address a few times a minute (each new host costs a check).
  const limiter = new RateLimiter({ points: 30, durationMs: 60_000 })
  server.method(
    'com.atproto.sync.requestCrawl',
    async ({ input }) => {
      const hostname = ((input as JsonInput).body as { hostname: string }).hostname
      try {
        await ctx.hosts.requestCrawl(hostname)
      } catch (err) {
        throw hostErrorToXrpc(err)
      }
    },
    { rateLimit: { limiter } },
  )
}

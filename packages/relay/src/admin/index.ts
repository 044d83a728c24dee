// Operator endpoints under /admin (HTTP Basic, user `admin`, RELAY_ADMIN_PASSWORD): list hosts
// with their limits and state, crawl a host without the public checks, change a host's limits,
// ban and unban hosts, import another relay's hosts, take accounts down and restore them.
// Without a password they answer 401 to everyone.
import type { IncomingMessage } from 'node:http'
import { isValidDid } from '@welkin/syntax'
import {
  AuthRequiredError,
  adminBasicAuth,
  InvalidRequestError,
  type RouteContext,
  type XrpcServer,
} from '@welkin/xrpc'
import { hostErrorToXrpc } from '../api/errors.js'
import type { RelayContext } from '../context.js'
import type { HostConnection } from '../host/host-connection.js'
import { hostingStatus } from '../state/repo-state.js'
import { optionalPositiveInt, readJsonBody, stringField } from '../util/json-body.js'

function adminView(h: HostConnection): Record<string, unknown> {
  return {
    id: h.id,
    hostname: h.hostname,
    status: h.status,
    cursor: h.cursor,
    accountCount: h.accountCount,
    accountLimit: h.accountLimit,
    eventsPerSecond: h.eventsPerSecond,
    banned: h.banned,
    queued: h.queued,
    lastError: h.lastError ?? null,
  }
}

export function registerAdminRoutes(server: XrpcServer, ctx: RelayContext): void {
  const password = ctx.config.adminPassword
  const verify = password ? adminBasicAuth(password) : undefined
  const guard = (req: IncomingMessage): void => {
    if (!verify) throw new AuthRequiredError('Admin endpoints are disabled: set RELAY_ADMIN_PASSWORD')
    verify({ nsid: 'admin', req, params: {} })
  }
  const json = (body: unknown) => ({ encoding: 'application/json' as const, body })
  const post = (path: string, fn: (body: Record<string, unknown>) => Promise<unknown> | unknown) =>
    server.route('POST', path, async ({ req }: RouteContext) => {
      guard(req)
      try {
        return json(await fn(await readJsonBody(req)))
      } catch (err) {
        throw hostErrorToXrpc(err)
      }
    })

  server.route('GET', '/admin/hosts', ({ req }) => {
    guard(req)
    return json({ hosts: ctx.hosts.list().map(adminView) })
  })
  post('/admin/hosts/crawl', async (b) =>
    adminView(await ctx.hosts.requestCrawl(stringField(b, 'hostname'), { check: false })),
  )
  post('/admin/hosts/limits', (b) =>
    adminView(
      ctx.hosts.setLimits(stringField(b, 'hostname'), {
        accountLimit: optionalPositiveInt(b, 'accountLimit'),
        eventsPerSecond: optionalPositiveInt(b, 'eventsPerSecond'),
      }),
    ),
  )
  post('/admin/hosts/ban', async (b) => adminView(await ctx.hosts.ban(stringField(b, 'hostname'))))
  post('/admin/hosts/unban', (b) => adminView(ctx.hosts.unban(stringField(b, 'hostname'))))
  post('/admin/hosts/import', (b) => ctx.hosts.importFrom(stringField(b, 'relay')))
  post('/admin/repos/takedown', (b) => setTakedown(ctx, stringField(b, 'did'), true))
  post('/admin/repos/untakedown', (b) => setTakedown(ctx, stringField(b, 'did'), false))
}

/** account.md "Hosting Status Propagation": an intermediary's takedown is announced downstream. */
function setTakedown(ctx: RelayContext, did: string, takedown: boolean): Record<string, unknown> {
  if (!isValidDid(did)) throw new InvalidRequestError(`not a DID: ${String(did).slice(0, 100)}`)
  const state = ctx.state.getOrBlank(did)
  if (state.takedown !== takedown) {
    state.takedown = takedown
    ctx.state.put(state)
    const status = hostingStatus(state)
    const body = { seq: 0, did, time: new Date().toISOString(), active: status.active }
    ctx.sequencer.publishMessage({
      t: '#account',
      body: status.status ? { ...body, status: status.status } : body,
    })
  }
  return { did, ...hostingStatus(state) }
}

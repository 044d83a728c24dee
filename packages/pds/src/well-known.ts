// The PDS's plain HTTP routes: /.well-known/atproto-did for handles under the service domains
// (handle.md "HTTPS .well-known Method": the handle is the request's Host), the service's own
// did:web document, a banner at / and robots.txt.
import { isValidHandle, normalizeHandle } from '@welkin/syntax'
import type { BinaryOutput, XrpcServer } from '@welkin/xrpc'
import type { PdsContext } from './context.js'

const TEXT = 'text/plain; charset=utf-8'

function text(body: string, status = 200): BinaryOutput {
  return { encoding: TEXT, body: Buffer.from(body), status }
}

/** The host name a request was sent to, without port; undefined when absent or malformed. */
export function requestHost(host: string | undefined): string | undefined {
  if (host === undefined) return undefined
  const name = host.startsWith('[') ? undefined : host.replace(/:\d{1,5}$/, '')
  return name !== undefined && isValidHandle(name) ? normalizeHandle(name) : undefined
}

function banner(ctx: PdsContext): string {
  return [
    'Welkin: an AT Protocol Personal Data Server (PDS).',
    '',
    'This server hosts atproto accounts and their repositories. Its API is under /xrpc/',
    '(for example /xrpc/com.atproto.server.describeServer); use an atproto client or app',
    'to sign in. There is nothing to browse here.',
    '',
    `Service DID: ${ctx.config.service.did}`,
    '',
  ].join('\n')
}

export function registerWellKnown(server: XrpcServer, ctx: PdsContext): void {
  const domains = ctx.config.identity.serviceHandleDomains
  server.route('GET', '/.well-known/atproto-did', ({ req }) => {
    const handle = requestHost(req.headers.host)
    if (handle === undefined || !domains.some((d) => handle.endsWith(d))) return text('User not found', 404)
    const account = ctx.store.accounts.getAccount(handle)
    if (account === null || account.handle !== handle) return text('User not found', 404)
    return text(account.did)
  })
  const s = ctx.config.service
  if (s.did === `did:web:${s.hostname}`) {
    const body = {
      '@context': ['https://www.w3.org/ns/did/v1'],
      id: s.did,
      service: [{ id: '#atproto_pds', type: 'AtprotoPersonalDataServer', serviceEndpoint: s.publicUrl }],
    }
    server.route('GET', '/.well-known/did.json', () => ({ encoding: 'application/json', body }))
  }
  const home = banner(ctx)
  server.route('GET', '/', () => text(home))
  server.route('GET', '/robots.txt', () => text('# Hello!\n\nUser-agent: *\nAllow: /\n'))
}

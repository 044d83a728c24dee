// com.atproto.server.describeServer: how to sign up here (handle domains, invite codes) and the
// operator's links and contact address. Built once: nothing in it changes while running.
import type { XrpcServer } from '@welkin/xrpc'
import type { PdsContext } from '../../context.js'

export function register(server: XrpcServer, ctx: PdsContext): void {
  const s = ctx.config.service
  const links: Record<string, string> = {}
  if (s.privacyPolicyUrl) links.privacyPolicy = s.privacyPolicyUrl
  if (s.termsOfServiceUrl) links.termsOfService = s.termsOfServiceUrl
  const body: Record<string, unknown> = {
    did: s.did,
    availableUserDomains: ctx.config.identity.serviceHandleDomains,
    inviteCodeRequired: ctx.config.invites.required,
    phoneVerificationRequired: false,
    links,
  }
  if (s.contactEmailAddress) body.contact = { email: s.contactEmailAddress }
  const out = { encoding: 'application/json' as const, body }
  server.method('com.atproto.server.describeServer', () => out)
}

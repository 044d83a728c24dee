// com.atproto.admin.updateSubjectStatus: takes an account down or restores it, and deactivates
// or reactivates it; each change commits with its `#account` event (account.md "Hosting
// Status"). Lifting a takedown makes an empty commit and a `#sync` so downstream services
// resynchronize (see account-status.ts).
import type { XrpcServer } from '@welkin/xrpc'
import { jsonBody, type PdsContext } from '../../context.js'
import { accountFor, REPO_REF, subjectStatus, unsupportedSubject } from './subject.js'

interface StatusAttr {
  applied: boolean
  ref?: string
}

interface Input {
  subject: { $type?: string; did?: string }
  takedown?: StatusAttr
  deactivated?: StatusAttr
}

export function register(server: XrpcServer, ctx: PdsContext): void {
  server.method(
    'com.atproto.admin.updateSubjectStatus',
    async ({ input }) => {
      const { subject, takedown, deactivated } = jsonBody<Input>(input)
      if (subject.$type !== REPO_REF || typeof subject.did !== 'string') throw unsupportedSubject()
      const did = subject.did
      const before = accountFor(ctx, did)
      const accounts = ctx.store.accounts
      if (takedown !== undefined) {
        if (takedown.applied) {
          await accounts.setStatus(did, {
            status: 'takendown',
            ref: takedown.ref ?? new Date().toISOString(),
          })
        } else if (before.status === 'takendown' || before.status === 'suspended') {
          await accounts.activate(did)
        }
        ctx.log('admin takedown status changed', { did, applied: takedown.applied })
      }
      if (deactivated !== undefined) {
        const now = accountFor(ctx, did).status
        if (deactivated.applied && now === 'active') await accounts.deactivate(did)
        else if (!deactivated.applied && now === 'deactivated') await accounts.activate(did)
      }
      const status = subjectStatus(accountFor(ctx, did))
      return { encoding: 'application/json', body: { subject: status.subject, takedown: status.takedown } }
    },
    { auth: ctx.auth.admin },
  )
}

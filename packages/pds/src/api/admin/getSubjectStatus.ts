// com.atproto.admin.getSubjectStatus (accounts only, see subject.ts).
import { InvalidRequestError, type XrpcServer } from '@welkin/xrpc'
import type { PdsContext } from '../../context.js'
import { accountFor, subjectStatus, unsupportedSubject } from './subject.js'

export function register(server: XrpcServer, ctx: PdsContext): void {
  server.method(
    'com.atproto.admin.getSubjectStatus',
    ({ params }) => {
      if (params.uri !== undefined || params.blob !== undefined) throw unsupportedSubject()
      if (params.did === undefined) throw new InvalidRequestError('did is required')
      return { encoding: 'application/json', body: subjectStatus(accountFor(ctx, params.did as string)) }
    },
    { auth: ctx.auth.admin },
  )
}

// com.atproto.server.createInviteCodes (admin): `codeCount` codes for each of `forAccounts`.
import { InvalidRequestError, type XrpcServer } from '@welkin/xrpc'
import { jsonBody, type PdsContext } from '../../context.js'
import { checkUseCount, createInvite } from './invite-code.js'

const MAX_CODES = 1000

interface Input {
  codeCount?: number
  useCount: number
  forAccounts?: string[]
}

export function register(server: XrpcServer, ctx: PdsContext): void {
  server.method(
    'com.atproto.server.createInviteCodes',
    ({ input }) => {
      const body = jsonBody<Input>(input)
      const codeCount = body.codeCount ?? 1
      checkUseCount(body.useCount)
      const accounts = body.forAccounts?.length ? body.forAccounts : ['admin']
      if (!Number.isSafeInteger(codeCount) || codeCount < 1 || codeCount * accounts.length > MAX_CODES) {
        throw new InvalidRequestError(
          `codeCount must be at least 1, and codeCount x forAccounts at most ${MAX_CODES}`,
        )
      }
      const codes = ctx.store.db.transact(() =>
        accounts.map((account) => ({
          account,
          codes: Array.from({ length: codeCount }, () => createInvite(ctx, body.useCount, account)),
        })),
      )
      return { encoding: 'application/json', body: { codes } }
    },
    { auth: ctx.auth.admin },
  )
}

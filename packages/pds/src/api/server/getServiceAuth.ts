// com.atproto.server.getServiceAuth: a short-lived JWT signed with the account's repo signing
// key, for another service that verifies it against the DID document (xrpc.md "Inter-Service
// Authentication (JWT)"). Lifetimes follow the official PDS: at most an hour, and at most a
// minute for a token not bound to one method (`lxm`).
import { randomBytes } from 'node:crypto'
import { InvalidRequestError, type XrpcServer } from '@welkin/xrpc'
import type { AccessCredentials, PdsContext } from '../../context.js'
import { accountSigningKey } from './signing-key.js'

const MINUTE = 60
const HOUR = 3600

const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')

export function register(server: XrpcServer, ctx: PdsContext): void {
  server.method<AccessCredentials>(
    'com.atproto.server.getServiceAuth',
    async ({ auth, params }) => {
      const aud = params.aud as string
      const lxm = params.lxm as string | undefined
      const now = Math.floor(Date.now() / 1000)
      const exp = (params.exp as number | undefined) ?? now + MINUTE
      if (exp <= now) throw new InvalidRequestError('The expiration is in the past', 'BadExpiration')
      if (exp - now > HOUR) {
        throw new InvalidRequestError('The expiration is more than an hour away', 'BadExpiration')
      }
      if (lxm === undefined && exp - now > MINUTE) {
        throw new InvalidRequestError('A token without lxm may last at most a minute', 'BadExpiration')
      }
      const key = accountSigningKey(ctx, auth.did)
      const payload: Record<string, unknown> = { iat: now, iss: auth.did, aud, exp }
      if (lxm !== undefined) payload.lxm = lxm
      payload.jti = randomBytes(16).toString('hex')
      const input = `${b64url({ typ: 'JWT', alg: key.jwtAlg })}.${b64url(payload)}`
      const sig = await key.sign(Buffer.from(input))
      return {
        encoding: 'application/json',
        body: { token: `${input}.${Buffer.from(sig).toString('base64url')}` },
      }
    },
    { auth: ctx.auth.access },
  )
}

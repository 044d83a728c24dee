// com.atproto.server.createAccount: check everything that can be checked locally, register a
// new did:plc at the directory (rotation keys: the user's recovery key, the operator's
// PDS_RECOVERY_DID_KEY, then this server's rotation key; signing key and handle; this server as
// the PDS), then create the account, its empty repo and the `#identity`, `#account`, `#commit`
// events in one transaction (account-lifecycle.md "New Account Creation"), followed by a `#sync`
// with that first commit, as the official PDS sends (relays ignore it when they already hold it).
import { parseDidKey, Secp256k1Keypair } from '@welkin/crypto'
import { createGenesisOp, formatDidDocument } from '@welkin/identity'
import { InvalidRequestError, type XrpcServer } from '@welkin/xrpc'
import { MAX_PASSWORD_LENGTH } from '../../auth/password.js'
import { jsonBody, type PdsContext } from '../../context.js'
import { checkHandleShape, ensureHandleFree } from '../identity/handle.js'
import { MINUTE, rateLimits } from './rate-limits.js'
import { createSessionTokens } from './session.js'

interface Input {
  handle: string
  email?: string
  password?: string
  inviteCode?: string
  recoveryKey?: string
  did?: string
  plcOp?: unknown
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

function checkEmail(ctx: PdsContext, email: string | undefined): string | undefined {
  if (email === undefined || email === '') {
    if (ctx.config.service.devMode) return undefined
    throw new InvalidRequestError('Email is required')
  }
  const e = email.trim().toLowerCase()
  if (e.length > 254 || !EMAIL.test(e)) throw new InvalidRequestError('This email address is not valid')
  if (ctx.store.accounts.getAccount(e) !== null) {
    throw new InvalidRequestError('This email address is already in use')
  }
  return e
}

function checkInvite(ctx: PdsContext, code: string | undefined): void {
  if (!ctx.config.invites.required) return
  if (code === undefined || code === '') {
    throw new InvalidRequestError('An invite code is required', 'InvalidInviteCode')
  }
  const row = ctx.store.db
    .prepare(
      `SELECT c.available_uses - (SELECT count(*) FROM invite_code_use u WHERE u.code = c.code) AS left, c.disabled
       FROM invite_code c WHERE c.code = ?`,
    )
    .get(code) as { left: number; disabled: number } | undefined
  if (row === undefined || row.disabled || row.left <= 0) {
    throw new InvalidRequestError('The invite code is unknown, disabled or used up', 'InvalidInviteCode')
  }
}

function checkRecoveryKey(key: string | undefined): string | undefined {
  if (key === undefined) return undefined
  try {
    parseDidKey(key)
  } catch {
    throw new InvalidRequestError('recoveryKey must be a did:key (secp256k1 or P-256)')
  }
  return key
}

async function createAccount(ctx: PdsContext, input: Input) {
  if (input.did !== undefined || input.plcOp !== undefined) {
    throw new InvalidRequestError('Importing an existing DID is not supported by this server')
  }
  const { handle, serviceDomain } = checkHandleShape(input.handle, ctx.config.identity.serviceHandleDomains)
  if (serviceDomain === null) {
    throw new InvalidRequestError(
      `Handles here must end with one of ${ctx.config.identity.serviceHandleDomains.join(', ')}`,
      'UnsupportedDomain',
    )
  }
  ensureHandleFree(ctx, handle)
  const email = checkEmail(ctx, input.email)
  const password = input.password
  if (password === undefined || password.length === 0)
    throw new InvalidRequestError('Password is required', 'InvalidPassword')
  if (password.length > MAX_PASSWORD_LENGTH) {
    throw new InvalidRequestError(
      `Password must be at most ${MAX_PASSWORD_LENGTH} characters`,
      'InvalidPassword',
    )
  }
  checkInvite(ctx, input.inviteCode)
  const recoveryKey = checkRecoveryKey(input.recoveryKey)

  const signingKey = Secp256k1Keypair.createSync()
  const rotation = ctx.store.secrets.plcRotationKey
  const rotationKeys = [recoveryKey, ctx.config.identity.recoveryDidKey, rotation.did()].filter(
    (k): k is string => k !== undefined,
  )
  const genesis = await createGenesisOp(
    { rotationKeys, signingKey: signingKey.did(), handle, pds: ctx.config.service.publicUrl },
    rotation,
  )
  await ctx.services.plc.submit(genesis.did, genesis.op)
  await ctx.store.accounts.createAccount({
    did: genesis.did,
    handle,
    email,
    password,
    signingKey,
    inviteCode: input.inviteCode,
  })
  await ctx.store.accounts.announceSync(genesis.did)
  ctx.log('account created', { did: genesis.did, handle })
  const { rotationKeys: keys, verificationMethods, alsoKnownAs, services } = genesis.op
  const didDoc = formatDidDocument({
    did: genesis.did,
    rotationKeys: keys,
    verificationMethods,
    alsoKnownAs,
    services,
  })
  return { ...createSessionTokens(ctx, genesis.did), handle, did: genesis.did, didDoc }
}

export function register(server: XrpcServer, ctx: PdsContext): void {
  server.method(
    'com.atproto.server.createAccount',
    async ({ input }) => ({
      encoding: 'application/json',
      body: await createAccount(ctx, jsonBody<Input>(input)),
    }),
    { rateLimit: rateLimits(ctx, { points: 100, durationMs: 5 * MINUTE }) },
  )
}

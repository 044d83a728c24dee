// What the server knows about each registered method, resolved once at registration so the
// request path does no lexicon lookups beyond validation itself.
import type { Lexicons } from '@welkin/lexicon'
import { isValidNsid } from '@welkin/syntax'
import { XrpcConfigError } from './errors.js'
import type { RateLimit } from './rate-limit.js'
import type {
  AuthVerifier,
  Handler,
  MethodOptions,
  SubscriptionHandler,
  SubscriptionOptions,
  XrpcMethodType,
} from './types.js'

export interface MethodEntry {
  nsid: string
  type: XrpcMethodType
  handler: Handler<unknown>
  auth: AuthVerifier<unknown> | undefined
  rateLimits: RateLimit[]
  maxJsonBytes: number
  blobLimit: number
  /** The lexicon set defining the method; undefined when it is registered without one. */
  lexicons: Lexicons | undefined
  /** From the lexicon: the accepted request MIME type or pattern; undefined means no body. */
  inputEncoding: string | undefined
  outputEncoding: string | undefined
}

export interface SubscriptionEntry {
  nsid: string
  handler: SubscriptionHandler<unknown>
  auth: AuthVerifier<unknown> | undefined
  rateLimits: RateLimit[]
  lexicons: Lexicons | undefined
}

export interface RegistryDefaults {
  lexicons: Lexicons | undefined
  maxJsonBytes: number
  maxBlobBytes: number
}

function asList(limits: RateLimit | RateLimit[] | undefined): RateLimit[] {
  if (limits === undefined) return []
  return Array.isArray(limits) ? limits : [limits]
}

function checkNsid(nsid: string): void {
  if (!isValidNsid(nsid)) throw new XrpcConfigError(`"${nsid}" is not a valid NSID`)
}

function checkLimit(name: string, v: number | undefined): void {
  if (v !== undefined && !(Number.isSafeInteger(v) && v >= 0))
    throw new XrpcConfigError(`${name} must be a non-negative integer, not ${v}`)
}

export function methodEntry(
  nsid: string,
  handler: Handler<unknown>,
  opts: MethodOptions<unknown>,
  defaults: RegistryDefaults,
): MethodEntry {
  checkNsid(nsid)
  checkLimit('maxJsonBytes', opts.maxJsonBytes)
  checkLimit('blobLimit', opts.blobLimit)
  const info = defaults.lexicons?.getXrpcMethod(nsid)
  if (info?.type === 'subscription')
    throw new XrpcConfigError(`${nsid} is a subscription: register it with subscription()`)
  const type = info?.type ?? opts.type
  if (type === undefined)
    throw new XrpcConfigError(`${nsid} has no lexicon: say whether it is a query or a procedure (opts.type)`)
  if (info && opts.type !== undefined && opts.type !== info.type)
    throw new XrpcConfigError(`${nsid} is a ${info.type} in its lexicon, not a ${opts.type}`)
  return {
    nsid,
    type,
    handler,
    auth: opts.auth,
    rateLimits: asList(opts.rateLimit),
    maxJsonBytes: opts.maxJsonBytes ?? defaults.maxJsonBytes,
    blobLimit: opts.blobLimit ?? defaults.maxBlobBytes,
    lexicons: info ? defaults.lexicons : undefined,
    inputEncoding: info?.inputEncoding,
    outputEncoding: info?.outputEncoding,
  }
}

export function subscriptionEntry(
  nsid: string,
  handler: SubscriptionHandler<unknown>,
  opts: SubscriptionOptions<unknown>,
  lexicons: Lexicons | undefined,
): SubscriptionEntry {
  checkNsid(nsid)
  const info = lexicons?.getXrpcMethod(nsid)
  if (info && info.type !== 'subscription')
    throw new XrpcConfigError(`${nsid} is a ${info.type}: register it with method()`)
  return {
    nsid,
    handler,
    auth: opts.auth,
    rateLimits: asList(opts.rateLimit),
    lexicons: info ? lexicons : undefined,
  }
}

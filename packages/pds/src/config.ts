// Typed PDS configuration from the environment values readPdsEnv collected, with the defaults a
// local `welkin pds` needs and checks that name the variable at fault.
import { join, resolve } from 'node:path'
import { parseDidKey } from '@welkin/crypto'
import { isValidDid, isValidHandle } from '@welkin/syntax'
import { ENV_NAMES, type PdsEnv } from './env.js'
import { ConfigError } from './errors.js'

export { type PdsEnv, readPdsEnv } from './env.js'

export type SqliteSynchronous = 'normal' | 'full'

export interface ServiceLink {
  url: string
  did: string
}

export interface PdsConfig {
  service: {
    port: number
    hostname: string
    /** Where clients reach this server: https://hostname, or http://localhost:port locally. */
    publicUrl: string
    did: string
    name?: string
    version?: string
    devMode: boolean
    blobUploadLimit: number
    acceptingImports: boolean
    maxImportSize?: number
    contactEmailAddress?: string
    homeUrl?: string
    logoUrl?: string
    privacyPolicyUrl?: string
    supportUrl?: string
    termsOfServiceUrl?: string
  }
  storage: {
    dataDirectory: string
    /** The one SQLite file holding accounts, repos and the event log. */
    dbPath: string
    blobstoreLocation: string
    blobstoreTmpLocation: string
    synchronous: SqliteSynchronous
    disableWalAutoCheckpoint: boolean
  }
  identity: {
    plcUrl: string
    recoveryDidKey?: string
    serviceHandleDomains: string[]
    handleBackupNameservers: string[]
    resolverTimeoutMs: number
    cacheStaleTtlMs: number
    cacheMaxTtlMs: number
    /** Dev mode lets the SSRF-safe fetch reach loopback (a local PLC, handles on localhost). */
    allowLoopback: boolean
  }
  invites: { required: boolean; interval?: number; epoch: number }
  email?: { smtpUrl: string; fromAddress: string }
  subscription: { maxBuffer: number; backfillLimitMs: number }
  appView?: ServiceLink
  modService?: ServiceLink
  reportService?: ServiceLink
  rateLimits: { enabled: boolean; bypassKey?: string }
  crawlers: string[]
  /** As given in the environment; loadOrCreateSecrets fills in what is missing. */
  secrets: { jwtSecret?: string; adminPassword?: string; plcRotationKeyHex?: string }
  logLevel?: string
}

export const DEFAULT_PORT = 2583
export const DEFAULT_BLOB_UPLOAD_LIMIT = 5 * 1024 * 1024
export const DEFAULT_BACKFILL_LIMIT_MS = 72 * 3600_000

const SECOND = 1000
const HOUR = 3600 * SECOND

function fail(field: keyof PdsEnv, problem: string): never {
  throw new ConfigError(ENV_NAMES[field], problem)
}

function httpUrl(field: keyof PdsEnv, value: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    fail(field, `${JSON.stringify(value)} is not a URL`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail(field, `${value} is not an http(s) URL`)
  return value.replace(/\/+$/, '')
}

function did(field: keyof PdsEnv, value: string): string {
  if (!isValidDid(value)) fail(field, `${JSON.stringify(value)} is not a DID`)
  return value
}

function nonNegative(field: keyof PdsEnv, value: number | undefined, dflt: number): number {
  const n = value ?? dflt
  if (!Number.isSafeInteger(n) || n < 0) fail(field, `must be a non-negative integer, got ${n}`)
  return n
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/

function isLoopbackHost(h: string): boolean {
  return h === 'localhost' || h.endsWith('.localhost') || h.startsWith('127.')
}

function checkHostname(value: string): string {
  const h = value.toLowerCase()
  if (h === 'localhost' || IPV4.test(h) || isValidHandle(h)) return h
  return fail(
    'hostname',
    `${JSON.stringify(value)} is not a hostname (give the name only: no scheme, port or path)`,
  )
}

function handleDomains(env: PdsEnv, hostname: string, devMode: boolean): string[] {
  const given = env.serviceHandleDomains
  if (!given || given.length === 0) return devMode || isLoopbackHost(hostname) ? ['.test'] : [`.${hostname}`]
  return given.map((d) => {
    const l = d.toLowerCase()
    if (!l.startsWith('.') || !isValidHandle(`x${l}`)) {
      fail(
        'serviceHandleDomains',
        `${JSON.stringify(d)} must be a domain suffix starting with "." (e.g. .example.com)`,
      )
    }
    return l
  })
}

function link(env: PdsEnv, url: keyof PdsEnv, didField: keyof PdsEnv): ServiceLink | undefined {
  const u = env[url] as string | undefined
  const d = env[didField] as string | undefined
  if (u === undefined && d === undefined) return undefined
  if (u === undefined) fail(url, `required when ${ENV_NAMES[didField]} is set`)
  if (d === undefined) fail(didField, `required when ${ENV_NAMES[url]} is set`)
  return { url: httpUrl(url, u), did: did(didField, d) }
}

function defined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {}
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v
  return out
}

/**
 * The full configuration: `overrides` (same shape as the environment, e.g. from CLI flags or a
 * test) win over `env`. Relative directories resolve against the working directory.
 */
export function resolvePdsConfig(env: PdsEnv = {}, overrides: Partial<PdsEnv> = {}): PdsConfig {
  const e: PdsEnv = { ...env, ...defined(overrides) }
  const devMode = e.devMode ?? false
  const port = e.port ?? DEFAULT_PORT
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail('port', `must be 0..65535, got ${port}`)
  const hostname = checkHostname(e.hostname ?? 'localhost')
  const loopback = isLoopbackHost(hostname)
  const publicUrl = loopback ? `http://${hostname}:${port}` : `https://${hostname}`
  if (e.plcRotationKeyKmsKeyId !== undefined) {
    fail(
      'plcRotationKeyKmsKeyId',
      'KMS rotation keys are not supported; use PDS_PLC_ROTATION_KEY_K256_PRIVATE_KEY_HEX',
    )
  }
  if (e.recoveryDidKey !== undefined) {
    try {
      parseDidKey(e.recoveryDidKey)
    } catch (err) {
      fail('recoveryDidKey', `not a did:key (${(err as Error).message})`)
    }
  }
  const synchronous = (e.sqliteSynchronous ?? 'normal').toLowerCase()
  if (synchronous !== 'normal' && synchronous !== 'full')
    fail('sqliteSynchronous', 'must be "normal" or "full"')
  const dataDirectory = resolve(e.dataDirectory ?? join('data', 'pds'))
  const blobstoreLocation = resolve(dataDirectory, e.blobstoreDiskLocation ?? 'blobs')
  const blobstoreTmpLocation = resolve(blobstoreLocation, e.blobstoreDiskTmpLocation ?? 'tmp')
  const blobUploadLimit = e.blobUploadLimit ?? DEFAULT_BLOB_UPLOAD_LIMIT
  if (!Number.isSafeInteger(blobUploadLimit) || blobUploadLimit < 1) {
    fail('blobUploadLimit', `must be a positive number of bytes, got ${blobUploadLimit}`)
  }
  if (e.jwtSecret !== undefined && e.jwtSecret.length < 16)
    fail('jwtSecret', 'must be at least 16 characters')
  if (e.adminPassword !== undefined && e.adminPassword.length < 8) {
    fail('adminPassword', 'must be at least 8 characters')
  }
  const email =
    e.emailSmtpUrl !== undefined || e.emailFromAddress !== undefined
      ? (() => {
          if (e.emailSmtpUrl === undefined)
            fail('emailSmtpUrl', 'required when PDS_EMAIL_FROM_ADDRESS is set')
          if (e.emailFromAddress === undefined)
            fail('emailFromAddress', 'required when PDS_EMAIL_SMTP_URL is set')
          return { smtpUrl: e.emailSmtpUrl, fromAddress: e.emailFromAddress }
        })()
      : undefined
  return {
    service: {
      port,
      hostname,
      publicUrl,
      did: did('serviceDid', e.serviceDid ?? `did:web:${hostname}`),
      name: e.serviceName,
      version: e.version,
      devMode,
      blobUploadLimit,
      acceptingImports: e.acceptingImports ?? true,
      maxImportSize: e.maxImportSize,
      contactEmailAddress: e.contactEmailAddress,
      homeUrl: e.homeUrl && httpUrl('homeUrl', e.homeUrl),
      logoUrl: e.logoUrl && httpUrl('logoUrl', e.logoUrl),
      privacyPolicyUrl: e.privacyPolicyUrl && httpUrl('privacyPolicyUrl', e.privacyPolicyUrl),
      supportUrl: e.supportUrl && httpUrl('supportUrl', e.supportUrl),
      termsOfServiceUrl: e.termsOfServiceUrl && httpUrl('termsOfServiceUrl', e.termsOfServiceUrl),
    },
    storage: {
      dataDirectory,
      dbPath: join(dataDirectory, 'pds.sqlite'),
      blobstoreLocation,
      blobstoreTmpLocation,
      synchronous,
      disableWalAutoCheckpoint: e.disableWalAutoCheckpoint ?? false,
    },
    identity: {
      plcUrl: httpUrl('didPlcUrl', e.didPlcUrl ?? 'http://localhost:2582'),
      recoveryDidKey: e.recoveryDidKey,
      serviceHandleDomains: handleDomains(e, hostname, devMode),
      handleBackupNameservers: e.handleBackupNameservers ?? [],
      resolverTimeoutMs: nonNegative('resolverTimeout', e.resolverTimeout, 3 * SECOND),
      cacheStaleTtlMs: nonNegative('didCacheStaleTtl', e.didCacheStaleTtl, HOUR),
      cacheMaxTtlMs: nonNegative('didCacheMaxTtl', e.didCacheMaxTtl, 24 * HOUR),
      allowLoopback: devMode,
    },
    invites: {
      required: e.inviteRequired ?? false,
      interval: e.inviteInterval,
      epoch: nonNegative('inviteEpoch', e.inviteEpoch, 0),
    },
    email,
    subscription: {
      maxBuffer: nonNegative('maxSubscriptionBuffer', e.maxSubscriptionBuffer, 500),
      backfillLimitMs: nonNegative('repoBackfillLimitMs', e.repoBackfillLimitMs, DEFAULT_BACKFILL_LIMIT_MS),
    },
    appView: link(e, 'bskyAppViewUrl', 'bskyAppViewDid'),
    modService: link(e, 'modServiceUrl', 'modServiceDid'),
    reportService: link(e, 'reportServiceUrl', 'reportServiceDid'),
    rateLimits: { enabled: e.rateLimitsEnabled ?? false, bypassKey: e.rateLimitBypassKey },
    crawlers: (e.crawlers ?? []).map((c) => httpUrl('crawlers', c)),
    secrets: {
      jwtSecret: e.jwtSecret,
      adminPassword: e.adminPassword,
      plcRotationKeyHex: e.plcRotationKeyK256PrivateKeyHex,
    },
    logLevel: e.logLevel,
  }
}

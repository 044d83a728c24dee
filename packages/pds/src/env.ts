// The one place that reads the environment. Variable names are the official PDS's, so an
// operator's existing `pds.env` works unchanged; variables Welkin adds are marked below.
import { ConfigError } from './errors.js'

export interface PdsEnv {
  // service
  port?: number
  hostname?: string
  serviceDid?: string
  serviceName?: string
  version?: string
  homeUrl?: string
  logoUrl?: string
  privacyPolicyUrl?: string
  supportUrl?: string
  termsOfServiceUrl?: string
  contactEmailAddress?: string
  acceptingImports?: boolean
  maxImportSize?: number
  blobUploadLimit?: number
  devMode?: boolean
  // storage
  dataDirectory?: string
  blobstoreDiskLocation?: string
  blobstoreDiskTmpLocation?: string
  /** Welkin: `normal` (default) or `full`; see README "Durability". */
  sqliteSynchronous?: string
  disableWalAutoCheckpoint?: boolean
  // identity
  didPlcUrl?: string
  recoveryDidKey?: string
  serviceHandleDomains?: string[]
  handleBackupNameservers?: string[]
  resolverTimeout?: number
  didCacheStaleTtl?: number
  didCacheMaxTtl?: number
  // invites
  inviteRequired?: boolean
  inviteInterval?: number
  inviteEpoch?: number
  // email
  emailSmtpUrl?: string
  emailFromAddress?: string
  // subscription
  maxSubscriptionBuffer?: number
  repoBackfillLimitMs?: number
  // appview and moderation
  bskyAppViewUrl?: string
  bskyAppViewDid?: string
  modServiceUrl?: string
  modServiceDid?: string
  reportServiceUrl?: string
  reportServiceDid?: string
  // rate limits
  rateLimitsEnabled?: boolean
  rateLimitBypassKey?: string
  // crawlers
  crawlers?: string[]
  // secrets
  jwtSecret?: string
  adminPassword?: string
  plcRotationKeyK256PrivateKeyHex?: string
  /** Not supported (no KMS here); read only to refuse it with a clear message. */
  plcRotationKeyKmsKeyId?: string
  // misc
  disableSsrfProtection?: boolean
  logLevel?: string
}

type Env = Record<string, string | undefined>

function str(env: Env, name: string): string | undefined {
  const v = env[name]
  if (v === undefined) return undefined
  const t = v.trim()
  return t === '' ? undefined : t
}

function int(env: Env, name: string): number | undefined {
  const v = str(env, name)
  if (v === undefined) return undefined
  if (!/^-?\d+$/.test(v)) throw new ConfigError(name, `expected an integer, got ${JSON.stringify(v)}`)
  const n = Number(v)
  if (!Number.isSafeInteger(n)) throw new ConfigError(name, `${v} is out of range`)
  return n
}

// The official PDS treats only "true"/"1" as true; anything else unrecognised is an operator
// mistake worth stopping for rather than silently reading as false.
function bool(env: Env, name: string): boolean | undefined {
  const v = str(env, name)
  if (v === undefined) return undefined
  const l = v.toLowerCase()
  if (l === 'true' || l === '1') return true
  if (l === 'false' || l === '0') return false
  throw new ConfigError(name, `expected true or false, got ${JSON.stringify(v)}`)
}

function list(env: Env, name: string): string[] | undefined {
  const v = str(env, name)
  if (v === undefined) return undefined
  return v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
}

/** Reads every PDS variable; malformed numbers and booleans throw a ConfigError naming the variable. */
export function readPdsEnv(env: Env = process.env): PdsEnv {
  return {
    port: int(env, 'PDS_PORT'),
    hostname: str(env, 'PDS_HOSTNAME'),
    serviceDid: str(env, 'PDS_SERVICE_DID'),
    serviceName: str(env, 'PDS_SERVICE_NAME'),
    version: str(env, 'PDS_VERSION'),
    homeUrl: str(env, 'PDS_HOME_URL'),
    logoUrl: str(env, 'PDS_LOGO_URL'),
    privacyPolicyUrl: str(env, 'PDS_PRIVACY_POLICY_URL'),
    supportUrl: str(env, 'PDS_SUPPORT_URL'),
    termsOfServiceUrl: str(env, 'PDS_TERMS_OF_SERVICE_URL'),
    contactEmailAddress: str(env, 'PDS_CONTACT_EMAIL_ADDRESS'),
    acceptingImports: bool(env, 'PDS_ACCEPTING_REPO_IMPORTS'),
    maxImportSize: int(env, 'PDS_MAX_REPO_IMPORT_SIZE'),
    blobUploadLimit: int(env, 'PDS_BLOB_UPLOAD_LIMIT'),
    devMode: bool(env, 'PDS_DEV_MODE'),
    dataDirectory: str(env, 'PDS_DATA_DIRECTORY'),
    blobstoreDiskLocation: str(env, 'PDS_BLOBSTORE_DISK_LOCATION'),
    blobstoreDiskTmpLocation: str(env, 'PDS_BLOBSTORE_DISK_TMP_LOCATION'),
    sqliteSynchronous: str(env, 'PDS_SQLITE_SYNCHRONOUS'),
    disableWalAutoCheckpoint: bool(env, 'PDS_SQLITE_DISABLE_WAL_AUTO_CHECKPOINT'),
    didPlcUrl: str(env, 'PDS_DID_PLC_URL'),
    recoveryDidKey: str(env, 'PDS_RECOVERY_DID_KEY'),
    serviceHandleDomains: list(env, 'PDS_SERVICE_HANDLE_DOMAINS'),
    handleBackupNameservers: list(env, 'PDS_HANDLE_BACKUP_NAMESERVERS'),
    resolverTimeout: int(env, 'PDS_ID_RESOLVER_TIMEOUT'),
    didCacheStaleTtl: int(env, 'PDS_DID_CACHE_STALE_TTL'),
    didCacheMaxTtl: int(env, 'PDS_DID_CACHE_MAX_TTL'),
    inviteRequired: bool(env, 'PDS_INVITE_REQUIRED'),
    inviteInterval: int(env, 'PDS_INVITE_INTERVAL'),
    inviteEpoch: int(env, 'PDS_INVITE_EPOCH'),
    emailSmtpUrl: str(env, 'PDS_EMAIL_SMTP_URL'),
    emailFromAddress: str(env, 'PDS_EMAIL_FROM_ADDRESS'),
    maxSubscriptionBuffer: int(env, 'PDS_MAX_SUBSCRIPTION_BUFFER'),
    repoBackfillLimitMs: int(env, 'PDS_REPO_BACKFILL_LIMIT_MS'),
    bskyAppViewUrl: str(env, 'PDS_BSKY_APP_VIEW_URL'),
    bskyAppViewDid: str(env, 'PDS_BSKY_APP_VIEW_DID'),
    modServiceUrl: str(env, 'PDS_MOD_SERVICE_URL'),
    modServiceDid: str(env, 'PDS_MOD_SERVICE_DID'),
    reportServiceUrl: str(env, 'PDS_REPORT_SERVICE_URL'),
    reportServiceDid: str(env, 'PDS_REPORT_SERVICE_DID'),
    rateLimitsEnabled: bool(env, 'PDS_RATE_LIMITS_ENABLED'),
    rateLimitBypassKey: str(env, 'PDS_RATE_LIMIT_BYPASS_KEY'),
    crawlers: list(env, 'PDS_CRAWLERS'),
    jwtSecret: str(env, 'PDS_JWT_SECRET'),
    adminPassword: str(env, 'PDS_ADMIN_PASSWORD'),
    plcRotationKeyK256PrivateKeyHex: str(env, 'PDS_PLC_ROTATION_KEY_K256_PRIVATE_KEY_HEX'),
    plcRotationKeyKmsKeyId: str(env, 'PDS_PLC_ROTATION_KEY_KMS_KEY_ID'),
    disableSsrfProtection: bool(env, 'PDS_DISABLE_SSRF_PROTECTION'),
    logLevel: str(env, 'LOG_LEVEL'),
  }
}

/** The environment variable behind each PdsEnv field, for error messages. */
export const ENV_NAMES: Readonly<Record<keyof PdsEnv, string>> = {
  port: 'PDS_PORT',
  hostname: 'PDS_HOSTNAME',
  serviceDid: 'PDS_SERVICE_DID',
  serviceName: 'PDS_SERVICE_NAME',
  version: 'PDS_VERSION',
  homeUrl: 'PDS_HOME_URL',
  logoUrl: 'PDS_LOGO_URL',
  privacyPolicyUrl: 'PDS_PRIVACY_POLICY_URL',
  supportUrl: 'PDS_SUPPORT_URL',
  termsOfServiceUrl: 'PDS_TERMS_OF_SERVICE_URL',
  contactEmailAddress: 'PDS_CONTACT_EMAIL_ADDRESS',
  acceptingImports: 'PDS_ACCEPTING_REPO_IMPORTS',
  maxImportSize: 'PDS_MAX_REPO_IMPORT_SIZE',
  blobUploadLimit: 'PDS_BLOB_UPLOAD_LIMIT',
  devMode: 'PDS_DEV_MODE',
  dataDirectory: 'PDS_DATA_DIRECTORY',
  blobstoreDiskLocation: 'PDS_BLOBSTORE_DISK_LOCATION',
  blobstoreDiskTmpLocation: 'PDS_BLOBSTORE_DISK_TMP_LOCATION',
  sqliteSynchronous: 'PDS_SQLITE_SYNCHRONOUS',
  disableWalAutoCheckpoint: 'PDS_SQLITE_DISABLE_WAL_AUTO_CHECKPOINT',
  didPlcUrl: 'PDS_DID_PLC_URL',
  recoveryDidKey: 'PDS_RECOVERY_DID_KEY',
  serviceHandleDomains: 'PDS_SERVICE_HANDLE_DOMAINS',
  handleBackupNameservers: 'PDS_HANDLE_BACKUP_NAMESERVERS',
  resolverTimeout: 'PDS_ID_RESOLVER_TIMEOUT',
  didCacheStaleTtl: 'PDS_DID_CACHE_STALE_TTL',
  didCacheMaxTtl: 'PDS_DID_CACHE_MAX_TTL',
  inviteRequired: 'PDS_INVITE_REQUIRED',
  inviteInterval: 'PDS_INVITE_INTERVAL',
  inviteEpoch: 'PDS_INVITE_EPOCH',
  emailSmtpUrl: 'PDS_EMAIL_SMTP_URL',
  emailFromAddress: 'PDS_EMAIL_FROM_ADDRESS',
  maxSubscriptionBuffer: 'PDS_MAX_SUBSCRIPTION_BUFFER',
  repoBackfillLimitMs: 'PDS_REPO_BACKFILL_LIMIT_MS',
  bskyAppViewUrl: 'PDS_BSKY_APP_VIEW_URL',
  bskyAppViewDid: 'PDS_BSKY_APP_VIEW_DID',
  modServiceUrl: 'PDS_MOD_SERVICE_URL',
  modServiceDid: 'PDS_MOD_SERVICE_DID',
  reportServiceUrl: 'PDS_REPORT_SERVICE_URL',
  reportServiceDid: 'PDS_REPORT_SERVICE_DID',
  rateLimitsEnabled: 'PDS_RATE_LIMITS_ENABLED',
  rateLimitBypassKey: 'PDS_RATE_LIMIT_BYPASS_KEY',
  crawlers: 'PDS_CRAWLERS',
  jwtSecret: 'PDS_JWT_SECRET',
  adminPassword: 'PDS_ADMIN_PASSWORD',
  plcRotationKeyK256PrivateKeyHex: 'PDS_PLC_ROTATION_KEY_K256_PRIVATE_KEY_HEX',
  plcRotationKeyKmsKeyId: 'PDS_PLC_ROTATION_KEY_KMS_KEY_ID',
  disableSsrfProtection: 'PDS_DISABLE_SSRF_PROTECTION',
  logLevel: 'LOG_LEVEL',
}

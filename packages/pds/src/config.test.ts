import { describe, expect, it } from 'vitest'
import { DEFAULT_BLOB_UPLOAD_LIMIT, readPdsEnv, resolvePdsConfig } from './config.js'
import { ConfigError } from './errors.js'

describe('readPdsEnv', () => {
  it('reads the official variable names', () => {
    const env = readPdsEnv({
      PDS_HOSTNAME: 'pds.example.com',
      PDS_PORT: '3000',
      PDS_DATA_DIRECTORY: '/var/pds',
      PDS_BLOBSTORE_DISK_LOCATION: '/var/pds/blocks',
      PDS_DID_PLC_URL: 'https://plc.directory',
      PDS_SERVICE_HANDLE_DOMAINS: '.example.com, .other.org',
      PDS_JWT_SECRET: 'x'.repeat(32),
      PDS_ADMIN_PASSWORD: 'admin-password',
      PDS_PLC_ROTATION_KEY_K256_PRIVATE_KEY_HEX: 'ab'.repeat(32),
      PDS_INVITE_REQUIRED: 'true',
      PDS_CRAWLERS: 'https://bsky.network',
      PDS_DEV_MODE: 'false',
      PDS_BLOB_UPLOAD_LIMIT: '1000',
    })
    expect(env).toMatchObject({
      hostname: 'pds.example.com',
      port: 3000,
      dataDirectory: '/var/pds',
      blobstoreDiskLocation: '/var/pds/blocks',
      didPlcUrl: 'https://plc.directory',
      serviceHandleDomains: ['.example.com', '.other.org'],
      inviteRequired: true,
      crawlers: ['https://bsky.network'],
      devMode: false,
      blobUploadLimit: 1000,
    })
  })

  it('treats empty values as unset', () => {
    expect(readPdsEnv({ PDS_PORT: '', PDS_HOSTNAME: '  ' })).toMatchObject({
      port: undefined,
      hostname: undefined,
    })
  })

  it('names the variable that is malformed', () => {
    expect(() => readPdsEnv({ PDS_PORT: '25x' })).toThrow(/PDS_PORT/)
    expect(() => readPdsEnv({ PDS_INVITE_REQUIRED: 'yes' })).toThrow(ConfigError)
    expect(() => readPdsEnv({ PDS_BLOB_UPLOAD_LIMIT: '1e9' })).toThrow(/PDS_BLOB_UPLOAD_LIMIT/)
  })
})

describe('resolvePdsConfig', () => {
  it('has local defaults', () => {
    const c = resolvePdsConfig({}, { dataDirectory: '/tmp/x' })
    expect(c.service.port).toBe(2583)
    expect(c.service.hostname).toBe('localhost')
    expect(c.service.publicUrl).toBe('http://localhost:2583')
    expect(c.service.did).toBe('did:web:localhost')
    expect(c.service.blobUploadLimit).toBe(DEFAULT_BLOB_UPLOAD_LIMIT)
    expect(c.storage.dbPath).toBe('/tmp/x/pds.sqlite')
    expect(c.storage.blobstoreLocation).toBe('/tmp/x/blobs')
    expect(c.storage.blobstoreTmpLocation).toBe('/tmp/x/blobs/tmp')
    expect(c.storage.synchronous).toBe('normal')
    expect(c.identity.plcUrl).toBe('http://localhost:2582')
    expect(c.identity.serviceHandleDomains).toEqual(['.test'])
    expect(c.subscription.backfillLimitMs).toBe(72 * 3600_000)
  })

  it('defaults the data directory to ./data/pds', () => {
    expect(resolvePdsConfig().storage.dataDirectory).toMatch(/data\/pds$/)
  })

  it('derives production values from the hostname', () => {
    const c = resolvePdsConfig({ hostname: 'PDS.Example.com' })
    expect(c.service.publicUrl).toBe('https://pds.example.com')
    expect(c.service.did).toBe('did:web:pds.example.com')
    expect(c.identity.serviceHandleDomains).toEqual(['.pds.example.com'])
    expect(c.identity.allowLoopback).toBe(false)
  })

  it('lets dev mode reach loopback and use .test handles', () => {
    const c = resolvePdsConfig({ hostname: 'pds.example.com', devMode: true })
    expect(c.identity.allowLoopback).toBe(true)
    expect(c.identity.serviceHandleDomains).toEqual(['.test'])
  })

  it('gives overrides precedence and ignores undefined ones', () => {
    const c = resolvePdsConfig({ port: 1000 }, { port: 0, hostname: undefined })
    expect(c.service.port).toBe(0)
    expect(c.service.hostname).toBe('localhost')
  })

  it.each([
    [{ port: 70000 }, 'PDS_PORT'],
    [{ hostname: 'https://pds.example.com' }, 'PDS_HOSTNAME'],
    [{ didPlcUrl: 'ftp://plc' }, 'PDS_DID_PLC_URL'],
    [{ serviceHandleDomains: ['example.com'] }, 'PDS_SERVICE_HANDLE_DOMAINS'],
    [{ serviceDid: 'not-a-did' }, 'PDS_SERVICE_DID'],
    [{ recoveryDidKey: 'did:key:zzz' }, 'PDS_RECOVERY_DID_KEY'],
    [{ sqliteSynchronous: 'off' }, 'PDS_SQLITE_SYNCHRONOUS'],
    [{ blobUploadLimit: 0 }, 'PDS_BLOB_UPLOAD_LIMIT'],
    [{ jwtSecret: 'short' }, 'PDS_JWT_SECRET'],
    [{ crawlers: ['not a url'] }, 'PDS_CRAWLERS'],
    [{ bskyAppViewUrl: 'https://api.bsky.app' }, 'PDS_BSKY_APP_VIEW_DID'],
    [{ plcRotationKeyKmsKeyId: 'arn:aws:kms:x' }, 'PDS_PLC_ROTATION_KEY_KMS_KEY_ID'],
  ])('rejects %o naming %s', (env, variable) => {
    let err: unknown
    try {
      resolvePdsConfig(env)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(ConfigError)
    expect((err as ConfigError).variable).toBe(variable)
    expect((err as Error).message).toContain(variable)
  })

  it('accepts a valid recovery key and service links', () => {
    const c = resolvePdsConfig({
      recoveryDidKey: 'did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme',
      bskyAppViewUrl: 'https://api.bsky.app/',
      bskyAppViewDid: 'did:web:api.bsky.app',
    })
    expect(c.appView).toEqual({ url: 'https://api.bsky.app', did: 'did:web:api.bsky.app' })
  })
})

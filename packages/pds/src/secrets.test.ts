import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { bytesToHex, Secp256k1Keypair } from '@welkin/crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { SecretsError } from './errors.js'
import { loadOrCreateSecrets, SECRETS_FILE } from './secrets.js'
import { tempDir } from './testing.js'

const dirs: { remove: () => void }[] = []
function dir(): string {
  const d = tempDir()
  dirs.push(d)
  return d.path
}
afterEach(() => {
  for (const d of dirs.splice(0)) d.remove()
})

describe('loadOrCreateSecrets', () => {
  it('generates once, persists with mode 0600, and reuses across restarts', () => {
    const d = dir()
    const first = loadOrCreateSecrets(d)
    expect(first.generated.sort()).toEqual(['adminPassword', 'jwtSecret', 'plcRotationKey'])
    expect(statSync(join(d, SECRETS_FILE)).mode & 0o777).toBe(0o600)
    const second = loadOrCreateSecrets(d)
    expect(second.generated).toEqual([])
    expect(second.jwtSecret).toBe(first.jwtSecret)
    expect(second.adminPassword).toBe(first.adminPassword)
    expect(second.plcRotationKey.did()).toBe(first.plcRotationKey.did())
  })

  it('lets environment values win without writing them to the file', () => {
    const d = dir()
    const key = Secp256k1Keypair.createSync()
    const s = loadOrCreateSecrets(d, {
      jwtSecret: 'env-jwt-secret-value',
      adminPassword: 'env-admin',
      plcRotationKeyHex: bytesToHex(key.export()),
    })
    expect(s.generated).toEqual([])
    expect(s.jwtSecret).toBe('env-jwt-secret-value')
    expect(s.plcRotationKey.did()).toBe(key.did())
    // Nothing was generated, so there is no file to hold anything.
    expect(() => statSync(join(d, SECRETS_FILE))).toThrow()
    const partial = loadOrCreateSecrets(d, { jwtSecret: 'env-jwt-secret-value' })
    expect(partial.generated.sort()).toEqual(['adminPassword', 'plcRotationKey'])
    const file = JSON.parse(readFileSync(join(d, SECRETS_FILE), 'utf8'))
    expect(file.jwtSecret).toBeUndefined()
    expect(file.adminPassword).toBe(partial.adminPassword)
  })

  it('refuses a corrupt file instead of replacing the rotation key', () => {
    const d = dir()
    writeFileSync(join(d, SECRETS_FILE), '{not json', { mode: 0o600 })
    expect(() => loadOrCreateSecrets(d)).toThrow(SecretsError)
    expect(readFileSync(join(d, SECRETS_FILE), 'utf8')).toBe('{not json')
  })

  it('rejects a bad rotation key naming where it came from', () => {
    expect(() => loadOrCreateSecrets(dir(), { plcRotationKeyHex: 'zz' })).toThrow(
      /PDS_PLC_ROTATION_KEY_K256_PRIVATE_KEY_HEX/,
    )
  })

  it('tightens a world-readable secrets file and says so', () => {
    const d = dir()
    loadOrCreateSecrets(d)
    chmodSync(join(d, SECRETS_FILE), 0o644)
    const s = loadOrCreateSecrets(d)
    expect(s.warnings.join()).toMatch(/readable by other users/)
    expect(statSync(join(d, SECRETS_FILE)).mode & 0o777).toBe(0o600)
  })
})

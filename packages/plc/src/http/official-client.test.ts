// The official did:plc client (@did-plc/lib) and identity resolver (@atproto/identity) against
// `welkin plc`: ops the official library signs are accepted, logs Welkin serves validate with
// the official rules, and the official resolver reads the documents.
import { createRequire } from 'node:module'
import { DidResolver } from '@atproto/identity'
import * as ref from '@did-plc/lib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PlcDirectory } from '../directory.js'
import { openSqliteStore } from '../store/sqlite.js'
import { TestAccount } from '../testing.js'
import { type PlcServer, startPlcServer } from './server.js'

// The signing keys the official library expects are those of its own @atproto/crypto.
const requireFromLib = createRequire(createRequire(import.meta.url).resolve('@did-plc/lib'))
const refCrypto = requireFromLib('@atproto/crypto') as {
  Secp256k1Keypair: { create(): Promise<{ did(): string; sign(m: Uint8Array): Promise<Uint8Array> }> }
}

describe('official clients against welkin plc', () => {
  let server: PlcServer
  let dir: PlcDirectory

  beforeAll(async () => {
    dir = new PlcDirectory(openSqliteStore({ path: ':memory:' }))
    server = await startPlcServer(dir, { port: 0 })
  })

  afterAll(async () => {
    await server?.close()
    await dir?.store.close()
  })

  it('accepts a DID created, updated and tombstoned by @did-plc/lib', async () => {
    const client = new ref.Client(server.url)
    const rotation = await refCrypto.Secp256k1Keypair.create()
    const signing = await refCrypto.Secp256k1Keypair.create()
    const did = await client.createDid({
      signingKey: signing.did(),
      handle: 'official.test',
      pds: 'https://pds.test',
      rotationKeys: [rotation.did()],
      signer: rotation as never,
    })
    await client.updateHandle(did, rotation as never, 'renamed.test')
    await client.updatePds(did, rotation as never, 'https://pds2.test')
    const data = await client.getDocumentData(did)
    expect(data.alsoKnownAs).toEqual(['at://renamed.test'])
    expect(data.services.atproto_pds.endpoint).toBe('https://pds2.test')
    const log = await client.getOperationLog(did)
    expect(await ref.validateOperationLog(did, log)).toEqual(data)
    const audit = await client.getAuditableLog(did)
    expect(audit).toHaveLength(3)
    await client.tombstone(did, rotation as never)
    expect(await dir.getState(did)).toEqual({ status: 'tombstoned' })
    await expect(client.updateHandle(did, rotation as never, 'zombie.test')).rejects.toThrow()
    const exported = await client.export(undefined, 1000)
    expect(exported.filter((e) => e.did === did)).toHaveLength(4)
  })

  it('serves logs of Welkin-signed ops that the official rules validate', async () => {
    const a = await TestAccount.create('welkin.test')
    await dir.submit(a.did, a.genesis)
    const up = await a.update('welkin2.test')
    await dir.submit(a.did, up)
    const log = await new ref.Client(server.url).getOperationLog(a.did)
    const state = await dir.getState(a.did)
    expect(state.status).toBe('active')
    expect(await ref.validateOperationLog(a.did, log)).toEqual(state.status === 'active' ? state.data : null)
  })

  it('is resolved by the official identity resolver', async () => {
    const a = await TestAccount.create('resolved.test')
    await dir.submit(a.did, a.genesis)
    const resolver = new DidResolver({ plcUrl: server.url })
    const data = await resolver.resolveAtprotoData(a.did)
    expect(data).toEqual({
      did: a.did,
      signingKey: a.signing.did(),
      handle: 'resolved.test',
      pds: 'https://pds.test',
    })
    expect(await resolver.resolve('did:plc:aaaaaaaaaaaaaaaaaaaaaaaa')).toBeNull()
  })
})

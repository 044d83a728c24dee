// `welkin plc` as the directory of the official PDS (@atproto/pds 0.4.x, PDS_DID_PLC_URL
// pointing at it): accounts are created and renamed through the official client, the PDS's own
// checks read our documents back, and the resulting logs pass Welkin's chain rules. The official
// identity resolver reads the same documents. Finally the official directory (@did-plc/server)
// and Welkin judge the same submissions, and must answer alike.
import { IdResolver } from '@atproto/identity'
import { Secp256k1Keypair } from '@welkin/crypto'
import {
  cidForOp,
  createGenesisOp,
  createTombstoneOp,
  DidResolver,
  getAtprotoKey,
  type PlcOp,
  signPlcOp,
  updateHandleOp,
  validateAuditLog,
} from '@welkin/identity'
import { openSqliteStore, PlcDirectory, type PlcServer, startPlcServer } from '@welkin/plc'
import { verifyRepoCar } from '@welkin/repo'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAccount, getRepoCar, type OfficialAccount, writePosts } from './accounts.js'
import { type OfficialPds, startOfficialPds } from './official-pds.js'
import { type OfficialPlc, startOfficialPlc } from './official-plc.js'

let directory: PlcDirectory
let welkin: PlcServer
let pds: OfficialPds
let alice: OfficialAccount

async function audit(
  did: string,
): Promise<{ operation: PlcOp; cid: string; nullified: boolean; createdAt: string }[]> {
  const res = await fetch(`${welkin.url}/${did}/log/audit`)
  expect(res.status).toBe(200)
  return res.json()
}

async function doc(did: string) {
  const res = await fetch(`${welkin.url}/${did}`)
  expect(res.status).toBe(200)
  return res.json()
}

beforeAll(async () => {
  directory = new PlcDirectory(openSqliteStore({ path: ':memory:' }))
  welkin = await startPlcServer(directory, { port: 0 })
  pds = await startOfficialPds({ plcUrl: welkin.url })
  alice = await createAccount(pds, { name: 'alice' })
})

afterAll(async () => {
  await pds?.close()
  await welkin?.close()
  await directory?.store.close()
})

describe('the official PDS with welkin plc as its directory', () => {
  it('registers new accounts: a valid genesis op and a document pointing at the PDS', async () => {
    const log = await audit(alice.did)
    expect(log).toHaveLength(1)
    expect(log[0].operation.type).toBe('plc_operation')
    expect(validateAuditLog(alice.did, log)?.alsoKnownAs).toEqual(['at://alice.test'])
    const d = await doc(alice.did)
    expect(d.id).toBe(alice.did)
    expect(d.alsoKnownAs).toEqual(['at://alice.test'])
    expect(d.service).toEqual([
      { id: '#atproto_pds', type: 'AtprotoPersonalDataServer', serviceEndpoint: pds.publicUrl },
    ])
  })

  it('signs the repo with the key the directory serves', async () => {
    await writePosts(alice, 2)
    const key = getAtprotoKey(await doc(alice.did))
    expect(key).toMatch(/^did:key:z/)
    const info = await verifyRepoCar(await getRepoCar(pds.url, alice.did), { did: alice.did, key })
    expect(info.recordCount).toBe(2)
  })

  it('changes a handle with an update op the PDS signs', async () => {
    await alice.agent.com.atproto.identity.updateHandle({ handle: 'alice-renamed.test' })
    const log = await audit(alice.did)
    expect(log).toHaveLength(2)
    expect(log[1].operation.prev).toBe(log[0].cid)
    expect(validateAuditLog(alice.did, log)?.alsoKnownAs).toEqual(['at://alice-renamed.test'])
    expect((await doc(alice.did)).alsoKnownAs).toEqual(['at://alice-renamed.test'])
    const described = await alice.agent.com.atproto.repo.describeRepo({ repo: alice.did })
    expect(described.data.handle).toBe('alice-renamed.test')
  })

  it('keeps its own flows working: more accounts, login by the new handle, writes', async () => {
    const bob = await createAccount(pds, { name: 'bob' })
    expect(await audit(bob.did)).toHaveLength(1)
    // describeRepo resolves the DID (through our directory) to check the handle it claims.
    // (Not asked of alice: the PDS caches DID documents for an hour, renames included.)
    const described = await bob.agent.com.atproto.repo.describeRepo({ repo: bob.did })
    expect(described.data.handleIsCorrect).toBe(true)
    const session = await alice.agent.login({ identifier: 'alice-renamed.test', password: alice.password })
    expect(session.data.did).toBe(alice.did)
    await writePosts(bob, 1)
    const resolved = await bob.agent.com.atproto.identity.resolveHandle({ handle: 'alice-renamed.test' })
    expect(resolved.data.did).toBe(alice.did)
    const exported = (await (await fetch(`${welkin.url}/export`)).text())
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(exported.map((e) => e.did).sort()).toEqual([alice.did, alice.did, bob.did].sort())
  })

  it('is resolved alike by the official identity resolver and by Welkin', async () => {
    const official = await new IdResolver({ plcUrl: welkin.url }).did.resolveAtprotoData(alice.did)
    expect(official).toEqual({
      did: alice.did,
      handle: 'alice-renamed.test',
      pds: pds.publicUrl,
      signingKey: expect.stringMatching(/^did:key:z/),
    })
    const ours = await new DidResolver({ plcUrl: welkin.url }).resolveAtprotoData(alice.did)
    expect(ours).toEqual({
      did: alice.did,
      handle: 'alice-renamed.test',
      pds: pds.publicUrl,
      signingKey: official.signingKey,
    })
  })
})

describe('welkin plc and the official directory judge the same submissions alike', () => {
  let official: OfficialPlc
  let welkinDirect: PlcServer
  let store: ReturnType<typeof openSqliteStore>

  beforeAll(async () => {
    official = await startOfficialPlc()
    store = openSqliteStore({ path: ':memory:' })
    welkinDirect = await startPlcServer(new PlcDirectory(store), { port: 0 })
  })

  afterAll(async () => {
    await official?.close()
    await welkinDirect?.close()
    await store?.close()
  })

  async function both(did: string, op: unknown): Promise<[number, number]> {
    const post = async (base: string) =>
      (
        await fetch(`${base}/${encodeURIComponent(did)}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(op),
        })
      ).status
    return [await post(welkinDirect.url), await post(official.url)]
  }

  it('accepts and refuses the same operations', async () => {
    const recovery = await Secp256k1Keypair.create()
    const rotation = await Secp256k1Keypair.create()
    const stranger = await Secp256k1Keypair.create()
    const { did, op: genesis } = await createGenesisOp(
      {
        rotationKeys: [recovery.did(), rotation.did()],
        signingKey: rotation.did(),
        handle: 'same.test',
        pds: 'https://pds.test',
      },
      rotation,
    )
    const { sig: _sig, ...fields } = genesis
    const steps: [string, string, unknown, boolean][] = []
    const add = (name: string, op: unknown, accept: boolean, forDid = did) =>
      steps.push([name, forDid, op, accept])

    add('genesis for the wrong DID', genesis, false, 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa')
    add('genesis signed by a stranger', await signPlcOp({ ...fields, prev: null }, stranger), false)
    add('genesis', genesis, true)
    add('genesis again', genesis, false)
    const up1 = await updateHandleOp(genesis, rotation, 'one.test')
    add('update signed by a stranger', await updateHandleOp(genesis, stranger, 'x.test'), false)
    add('update with a forged field', { ...up1, alsoKnownAs: ['at://evil.test'] }, false)
    add(
      'update with a random prev',
      { ...(await signPlcOp({ ...fields, prev: cidForOp(up1) }, rotation)) },
      false,
    )
    add('update', up1, true)
    add('fork by the same key', await updateHandleOp(genesis, rotation, 'fork.test'), false)
    add('fork by the recovery key', await updateHandleOp(genesis, recovery, 'recovered.test'), true)
    add('update after a nullified op', await updateHandleOp(up1, rotation, 'late.test'), false)
    add('not an op', { hello: 'world' }, false)
    add(
      'tombstone with no prev',
      await signPlcOp({ type: 'plc_tombstone', prev: '' } as never, rotation),
      false,
    )
    const recovered = await updateHandleOp(genesis, recovery, 'recovered.test')
    const tomb = await createTombstoneOp(cidForOp(recovered), rotation)
    add('tombstone', tomb, true)
    add('update after a tombstone', await signPlcOp({ ...fields, prev: cidForOp(tomb) }, recovery), false)

    for (const [name, forDid, op, accept] of steps) {
      const [ours, theirs] = await both(forDid, op)
      const verdict = (status: number) => (status >= 200 && status < 300 ? 'accept' : 'refuse')
      expect({ name, welkin: verdict(ours), official: verdict(theirs) }).toEqual({
        name,
        welkin: accept ? 'accept' : 'refuse',
        official: accept ? 'accept' : 'refuse',
      })
      if (!accept) expect(ours, name).toBeLessThan(500)
    }
  })
})

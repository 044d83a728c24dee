// createAccount with the user's own `recoveryKey`: the genesis op lists it first among the
// rotation keys, before the operator's PDS_RECOVERY_DID_KEY and this server's key (the official
// PDS unshifts them in that order), so the user can later take the DID back without the PDS.
import { AtpAgent } from '@atproto/api'
import { P256Keypair, Secp256k1Keypair } from '@welkin/crypto'
import { createUpdateOp, type PlcOp } from '@welkin/identity'
import { openPlcStore, PlcDirectory, type PlcServer, startPlcServer } from '@welkin/plc'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startPds, type TestPds } from '../../server.js'

describe('createAccount with a recoveryKey', () => {
  let plc: PlcServer
  let pds: TestPds
  const operatorKey = P256Keypair.createSync()

  beforeAll(async () => {
    plc = await startPlcServer(new PlcDirectory(await openPlcStore({})), { port: 0 })
    pds = await startPds({ didPlcUrl: plc.url, recoveryDidKey: operatorKey.did() })
  })

  afterAll(async () => {
    await pds?.cleanup()
    await plc?.close()
  })

  const plcData = async (did: string) =>
    (await (await fetch(`${plc.url}/${did}/data`)).json()) as { rotationKeys: string[] }
  const lastOp = async (did: string) => (await (await fetch(`${plc.url}/${did}/log/last`)).json()) as PlcOp
  const submit = (did: string, op: unknown) =>
    fetch(`${plc.url}/${did}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(op),
    })

  it('lists the user key first, then the operator recovery key, then the PDS rotation key', async () => {
    const pdsKey = pds.ctx.store.secrets.plcRotationKey.did()
    const userKey = Secp256k1Keypair.createSync()
    const agent = new AtpAgent({ service: pds.url })
    const { did } = (
      await agent.createAccount({
        handle: 'rescued.test',
        password: 'rescued password',
        recoveryKey: userKey.did(),
      })
    ).data
    expect((await plcData(did)).rotationKeys).toEqual([userKey.did(), operatorKey.did(), pdsKey])

    // Without one, the operator's key still comes before this server's.
    const plain = new AtpAgent({ service: pds.url })
    const other = (await plain.createAccount({ handle: 'plain.test', password: 'plain password' })).data.did
    expect((await plcData(other)).rotationKeys).toEqual([operatorKey.did(), pdsKey])
  })

  it('lets the user key alone sign a PLC update the directory accepts', async () => {
    const userKey = Secp256k1Keypair.createSync()
    const agent = new AtpAgent({ service: pds.url })
    const { did } = (
      await agent.createAccount({
        handle: 'owner.test',
        password: 'owner password',
        recoveryKey: userKey.did(),
      })
    ).data

    // A key not in rotationKeys is refused: the directory does check who signed.
    const stranger = Secp256k1Keypair.createSync()
    const forged = await createUpdateOp(await lastOp(did), stranger, (f) => ({
      ...f,
      rotationKeys: [stranger.did()],
    }))
    const refused = await submit(did, forged)
    expect(refused.status).toBeGreaterThanOrEqual(400)
    expect(refused.status).toBeLessThan(500)

    // The user takes sole control of the DID, signing with nothing but the recovery key.
    const takeover = await createUpdateOp(await lastOp(did), userKey, (f) => ({
      ...f,
      rotationKeys: [userKey.did()],
    }))
    const accepted = await submit(did, takeover)
    expect(accepted.status, await accepted.clone().text()).toBe(200)
    expect((await plcData(did)).rotationKeys).toEqual([userKey.did()])
    expect(await lastOp(did)).toEqual(takeover)
  })
})

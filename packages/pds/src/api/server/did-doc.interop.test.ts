// The DID documents this PDS hands out, read with the official client's own parser
// (@atproto/common-web, what @atproto/api uses to find an account's PDS).
import { AtpAgent } from '@atproto/api'
import { getHandle, getPdsEndpoint, getSigningDidKey, isValidDidDoc } from '@atproto/common-web'
import { openPlcStore, PlcDirectory, type PlcServer, startPlcServer } from '@welkin/plc'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startPds, type TestPds } from '../../server.js'

describe('DID documents as the official client reads them', () => {
  let plc: PlcServer
  let pds: TestPds

  beforeAll(async () => {
    plc = await startPlcServer(new PlcDirectory(await openPlcStore({})), { port: 0 })
    pds = await startPds({ didPlcUrl: plc.url })
  })

  afterAll(async () => {
    await pds?.cleanup()
    await plc?.close()
  })

  it('createAccount, createSession and getSession return a document naming this PDS, handle and key', async () => {
    const agent = new AtpAgent({ service: pds.url })
    const created = await agent.com.atproto.server.createAccount({
      handle: 'heidi.test',
      password: 'heidi pw',
    })
    const data = (await (await fetch(`${plc.url}/${created.data.did}/data`)).json()) as {
      verificationMethods: { atproto: string }
    }
    const session = await agent.com.atproto.server.createSession({
      identifier: 'heidi.test',
      password: 'heidi pw',
    })
    const current = await agent.com.atproto.server.getSession(undefined, {
      headers: { authorization: `Bearer ${session.data.accessJwt}` },
    })
    for (const doc of [created.data.didDoc, session.data.didDoc, current.data.didDoc]) {
      expect(isValidDidDoc(doc)).toBe(true)
      if (!isValidDidDoc(doc)) continue
      expect(getPdsEndpoint(doc)).toBe(pds.ctx.config.service.publicUrl)
      expect(getHandle(doc)).toBe('heidi.test')
      expect(getSigningDidKey(doc)).toBe(data.verificationMethods.atproto)
    }
  })

  it("serves the service's did:web document in the same shape", async () => {
    const doc = await (await fetch(`${pds.url}/.well-known/did.json`)).json()
    expect(isValidDidDoc(doc)).toBe(true)
    if (isValidDidDoc(doc)) expect(getPdsEndpoint(doc)).toBe(pds.ctx.config.service.publicUrl)
  })
})

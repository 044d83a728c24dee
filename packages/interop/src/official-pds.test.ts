// End-to-end check of the harness itself: the official PLC directory and PDS start on
// loopback, an account made through the official client gets a DID document pointing at the
// PDS, and getRepo serves a well-formed CAR whose root is the latest commit. The last block
// checks Welkin's own CAR/CBOR reader against that official output.
import { existsSync } from 'node:fs'
import { CID, dataToJson, decodeCbor, readCar } from '@welkin/data'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createAccount,
  getLatestCommit,
  getRecordJson,
  getRepoCar,
  type OfficialAccount,
  writePosts,
  writeProfile,
} from './accounts.js'
import { scanCar } from './car-scan.js'
import { ServiceStartError } from './errors.js'
import { type OfficialPds, startOfficialPds } from './official-pds.js'
import { type OfficialPlc, startOfficialPlc } from './official-plc.js'
import { fetchDidDocument, signingKeyFromDidDocument } from './plc-signing-key.js'
import { solidPng } from './tiny-png.js'

let plc: OfficialPlc
let pds: OfficialPds
let alice: OfficialAccount
let car: Uint8Array

beforeAll(async () => {
  plc = await startOfficialPlc()
  pds = await startOfficialPds({ plcUrl: plc.url })
  alice = await createAccount(pds, { name: 'alice' })
  await writeProfile(alice)
  await writePosts(alice, 3)
  car = await getRepoCar(pds.url, alice.did)
})

afterAll(async () => {
  await pds?.close()
  await plc?.close()
})

describe('official PLC + PDS harness', () => {
  it('serves the PDS on loopback with the configured handle domain', async () => {
    expect(pds.url).toBe(`http://localhost:${pds.port}`)
    const res = await fetch(`${pds.url}/xrpc/com.atproto.server.describeServer`)
    const body = (await res.json()) as {
      did: string
      availableUserDomains: string[]
      inviteCodeRequired: boolean
    }
    expect(body).toMatchObject({ did: pds.did, availableUserDomains: ['.test'], inviteCodeRequired: false })
  })

  it('registers the account in the PLC directory with the PDS as its service', async () => {
    expect(alice.did).toMatch(/^did:plc:[a-z2-7]{24}$/)
    expect(alice.handle).toBe('alice.test')
    const doc = (await fetchDidDocument(plc.url, alice.did)) as {
      alsoKnownAs: string[]
      service: { id: string; type: string; serviceEndpoint: string }[]
    }
    expect(doc.alsoKnownAs).toEqual(['at://alice.test'])
    expect(doc.service).toContainEqual({
      id: '#atproto_pds',
      type: 'AtprotoPersonalDataServer',
      serviceEndpoint: pds.url,
    })
  })

  it('reads the signing key from the DID document as the did:key the PLC holds', async () => {
    const doc = await fetchDidDocument(plc.url, alice.did)
    const data = (await (await fetch(`${plc.url}/${alice.did}/data`)).json()) as {
      verificationMethods: { atproto: string }
    }
    expect(signingKeyFromDidDocument(alice.did, doc)).toBe(data.verificationMethods.atproto)
  })

  it('serves a CAR whose single root is the latest commit and whose blocks hash to their CIDs', async () => {
    const latest = await getLatestCommit(pds.url, alice.did)
    const scanned = scanCar(car)
    expect(scanned.roots).toEqual([latest.cid])
    // commit + MST node(s) + profile + 3 posts at least
    expect(scanned.blocks.length).toBeGreaterThanOrEqual(6)
    expect(scanned.blocks.map((b) => b.cid)).toContain(latest.cid)
  })

  it('stores the uploaded avatar blob byte for byte', async () => {
    const profile = await getRecordJson(pds.url, alice.did, 'app.bsky.actor.profile', 'self')
    const avatar = profile.value.avatar as { ref: { $link: string }; mimeType: string; size: number }
    expect(avatar.mimeType).toBe('image/png')
    const res = await fetch(
      `${pds.url}/xrpc/com.atproto.sync.getBlob?did=${alice.did}&cid=${avatar.ref.$link}`,
    )
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(solidPng())
  })

  it('reports a service that cannot start as a ServiceStartError carrying its reason', async () => {
    // The PLC child fails fastest; the PDS child reports failures through the same channel.
    const failing = startOfficialPlc({ port: plc.port })
    await expect(failing).rejects.toBeInstanceOf(ServiceStartError)
    await expect(failing).rejects.toThrow(/official PLC directory.*EADDRINUSE/s)
  })
})

describe('Welkin @welkin/data reads the official CAR', () => {
  it('finds the same roots and blocks, and decodes the commit', async () => {
    const scanned = scanCar(car)
    const { roots, blocks } = await readCar(car)
    expect(roots.map(String)).toEqual(scanned.roots)
    expect(blocks.size).toBe(new Set(scanned.blocks.map((b) => b.cid)).size)
    const commit = decodeCbor(blocks.get(roots[0])!) as Record<string, unknown>
    expect(commit).toMatchObject({ did: alice.did, version: 3 })
    expect(commit.sig).toBeInstanceOf(Uint8Array)
  })

  it('decodes every record block to the JSON getRecord returns', async () => {
    const { blocks } = await readCar(car)
    const uris = [
      'app.bsky.actor.profile/self',
      ...(await listRkeys('app.bsky.feed.post')).map((r) => `app.bsky.feed.post/${r}`),
    ]
    expect(uris.length).toBe(4)
    for (const path of uris) {
      const [collection, rkey] = path.split('/')
      const official = await getRecordJson(pds.url, alice.did, collection, rkey)
      const bytes = blocks.get(CID.parse(official.cid))
      expect(bytes, path).toBeDefined()
      expect(dataToJson(decodeCbor(bytes!))).toEqual(official.value)
    }
  })
})

// Last: it closes the services the tests above share.
describe('shutdown', () => {
  it('stops the child process and removes its temporary data directory on close', async () => {
    const extra = await startOfficialPlc()
    await extra.close()
    await expect(fetch(`${extra.url}/_health`)).rejects.toThrow()

    const { dataDir, url, pid } = pds
    expect(existsSync(dataDir)).toBe(true)
    await pds.close()
    await expect(fetch(`${url}/xrpc/_health`)).rejects.toThrow()
    expect(() => process.kill(pid, 0)).toThrow(/ESRCH/)
    expect(existsSync(dataDir)).toBe(false)
    await pds.close() // a second close is harmless
  })
})

async function listRkeys(collection: string): Promise<string[]> {
  const res = await fetch(
    `${pds.url}/xrpc/com.atproto.repo.listRecords?repo=${alice.did}&collection=${collection}&limit=100`,
  )
  const body = (await res.json()) as { records: { uri: string }[] }
  return body.records.map((r) => r.uri.split('/').pop()!)
}

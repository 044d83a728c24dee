// uploadBlob (size limit, sniffing) and the blob reads (getBlob headers, listBlobs).
import { openPlcStore, PlcDirectory, type PlcServer, startPlcServer } from '@welkin/plc'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Harness, startHarness, type TestAccount, xrpc } from './harness.js'

const LIMIT = 64 * 1024
const GIF = Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1')

let plc: PlcServer
let h: Harness
let dave: TestAccount

beforeAll(async () => {
  plc = await startPlcServer(new PlcDirectory(await openPlcStore({})), { port: 0 })
  h = await startHarness(plc.url, { blobUploadLimit: LIMIT })
  dave = await h.account('dave')
})

afterAll(async () => {
  await h?.close()
  await plc?.close()
})

const upload = (bytes: Uint8Array, contentType?: string) =>
  xrpc(h.url, 'com.atproto.repo.uploadBlob', {
    token: dave.accessJwt,
    body: bytes,
    headers: contentType ? { 'content-type': contentType } : {},
  })

describe('uploadBlob', () => {
  it('refuses bodies over the limit with 413, declared or streamed', async () => {
    const over = await upload(new Uint8Array(LIMIT + 1), 'application/octet-stream')
    expect(over.status).toBe(413)
    expect(over.body.error).toBeTypeOf('string')
    // Chunked: no Content-Length, so the limit is enforced as the bytes arrive.
    let sent = 0
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent++ < 5) c.enqueue(new Uint8Array(LIMIT / 4))
        else c.close()
      },
    })
    const res = await fetch(`${h.url}/xrpc/com.atproto.repo.uploadBlob`, {
      method: 'POST',
      headers: { authorization: `Bearer ${dave.accessJwt}`, 'content-type': 'application/octet-stream' },
      body,
      duplex: 'half',
    } as RequestInit)
    expect(res.status).toBe(413)
    const atLimit = await upload(new Uint8Array(LIMIT).fill(7), 'application/octet-stream')
    expect(atLimit.status).toBe(200)
    expect(atLimit.body.blob.size).toBe(LIMIT)
  })

  it('records the sniffed type over a wrong declared one, the declared one otherwise', async () => {
    const lying = await upload(GIF, 'text/html')
    expect(lying.body.blob.mimeType).toBe('image/gif')
    const text = await upload(Buffer.from('just words'), 'text/plain; charset=utf-8')
    expect(text.body.blob.mimeType).toBe('text/plain')
    const none = await upload(Buffer.from('??'))
    expect(none.status).toBe(200)
    expect(none.body.blob.mimeType).toBe('application/octet-stream')
    expect(none.body.blob.ref.$link).toMatch(/^bafkrei/)
  })

  it('needs an access token', async () => {
    const res = await xrpc(h.url, 'com.atproto.repo.uploadBlob', {
      body: GIF,
      headers: { 'content-type': 'image/gif' },
    })
    expect(res.status).toBe(401)
  })
})

describe('getBlob and listBlobs', () => {
  it('serves a referenced blob with safe headers; unreferenced ones are not served', async () => {
    const up = await upload(GIF, 'image/gif')
    const cid = up.body.blob.ref.$link
    const url = `${h.url}/xrpc/com.atproto.sync.getBlob?did=${dave.did}&cid=${cid}`
    const before = await fetch(url)
    expect(before.status).toBe(404)
    expect((await before.json()).error).toBe('BlobNotFound')
    await dave.agent.com.atproto.repo.createRecord({
      repo: dave.did,
      collection: 'com.example.file',
      record: { file: up.body.blob },
    })
    const res = await fetch(url)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('image/gif')
    expect(res.headers.get('content-length')).toBe(String(GIF.length))
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox")
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(Buffer.from(await res.arrayBuffer())).toEqual(GIF)
    const head = await fetch(url, { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(head.headers.get('content-length')).toBe(String(GIF.length))

    const listed = await xrpc(h.url, 'com.atproto.sync.listBlobs', { query: { did: dave.did } })
    expect(listed.body.cids).toContain(cid)
    const latest = await xrpc(h.url, 'com.atproto.sync.getLatestCommit', { query: { did: dave.did } })
    const none = await xrpc(h.url, 'com.atproto.sync.listBlobs', {
      query: { did: dave.did, since: latest.body.rev },
    })
    expect(none.body.cids).toEqual([])
  })

  it('answers unknown blobs and repos with 4xx errors', async () => {
    const missing = await xrpc(h.url, 'com.atproto.sync.getBlob', {
      query: { did: dave.did, cid: 'bafkreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm' },
    })
    expect(missing.status).toBe(404)
    expect(missing.body.error).toBe('BlobNotFound')
    const dagCbor = await xrpc(h.url, 'com.atproto.sync.getBlob', {
      query: { did: dave.did, cid: 'bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm' },
    })
    expect(dagCbor.status).toBe(404)
    const noRepo = await xrpc(h.url, 'com.atproto.sync.getBlob', {
      query: {
        did: 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa',
        cid: 'bafkreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm',
      },
    })
    expect(noRepo.status).toBe(400)
    expect(noRepo.body.error).toBe('RepoNotFound')
    const badCid = await xrpc(h.url, 'com.atproto.sync.getBlob', { query: { did: dave.did, cid: 'nope' } })
    expect(badCid.status).toBe(400)
  })

  it('paginates listBlobs and lists missing blobs (none: every reference is checked)', async () => {
    const cids: string[] = []
    for (let i = 0; i < 5; i++) {
      const up = await upload(Buffer.from(`blob ${i}`), 'text/plain')
      cids.push(up.body.blob.ref.$link)
      await dave.agent.com.atproto.repo.createRecord({
        repo: dave.did,
        collection: 'com.example.file',
        record: { file: up.body.blob },
      })
    }
    const seen: string[] = []
    let cursor: string | undefined
    for (let n = 0; n < 10; n++) {
      const page = await xrpc(h.url, 'com.atproto.sync.listBlobs', {
        query: { did: dave.did, limit: '2', ...(cursor ? { cursor } : {}) },
      })
      seen.push(...page.body.cids)
      cursor = page.body.cursor
      if (!cursor) break
    }
    expect(seen).toEqual([...seen].sort())
    for (const c of cids) expect(seen).toContain(c)
    const missing = await dave.agent.com.atproto.repo.listMissingBlobs({})
    expect(missing.data.blobs).toEqual([])
  })
})

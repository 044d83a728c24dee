import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { CID, cidForRaw, RAW } from '@welkin/data'
import { afterEach, describe, expect, it } from 'vitest'
import { DiskBlobStore } from './blobstore.js'
import { BlobNotFoundError, BlobStoreError, BlobTooLargeError } from './errors.js'
import { tempDir } from './testing.js'

const dirs: { remove: () => void }[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) d.remove()
})
function store(): DiskBlobStore {
  const d = tempDir()
  dirs.push(d)
  return new DiskBlobStore(`${d.path}/blobs`)
}

async function* chunked(data: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size)
}

const did = 'did:plc:abcdefghijklmnopqrstuvwx'

describe('DiskBlobStore', () => {
  it('streams an upload to a temporary file, hashing it to a raw CID', async () => {
    const s = store()
    const data = new Uint8Array(100_000).map((_, i) => i * 7)
    const tmp = await s.putTemp(chunked(data, 4096), { maxBytes: 1_000_000 })
    expect(tmp.size).toBe(100_000)
    expect(tmp.cid.code).toBe(RAW)
    expect(tmp.cid.equals(cidForRaw(data))).toBe(true)
    expect(tmp.cid.digest).toEqual(new Uint8Array(createHash('sha256').update(data).digest()))
    expect(readFileSync(s.tempPath(tmp.key))).toEqual(Buffer.from(data))
  })

  it('sniffs the type from the first bytes even when they arrive in pieces', async () => {
    const s = store()
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3])
    const tmp = await s.putTemp(chunked(png, 3), { maxBytes: 100 })
    expect(tmp.sniffedMime).toBe('image/png')
  })

  it('stops and deletes an upload over the limit', async () => {
    const s = store()
    await expect(s.putTemp(chunked(new Uint8Array(5000), 1000), { maxBytes: 4999 })).rejects.toThrow(
      BlobTooLargeError,
    )
    expect(readdirSync(s.tmpLocation)).toEqual([])
    const exact = await s.putTemp(new Uint8Array(4999), { maxBytes: 4999 })
    expect(exact.size).toBe(4999)
  })

  it('deletes the partial file when the source fails or is aborted', async () => {
    const s = store()
    async function* broken() {
      yield new Uint8Array(10)
      throw new Error('connection reset')
    }
    await expect(s.putTemp(broken(), { maxBytes: 100 })).rejects.toThrow('connection reset')
    const ac = new AbortController()
    ac.abort()
    await expect(
      s.putTemp(chunked(new Uint8Array(10), 5), { maxBytes: 100, signal: ac.signal }),
    ).rejects.toThrow()
    expect(readdirSync(s.tmpLocation)).toEqual([])
  })

  it('moves a blob into place idempotently and serves it', async () => {
    const s = store()
    const tmp = await s.putTemp(new TextEncoder().encode('hello blob'), { maxBytes: 100 })
    await s.makePermanent(did, tmp.cid, tmp.key)
    await s.makePermanent(did, tmp.cid, tmp.key) // already done: no error
    expect(existsSync(s.tempPath(tmp.key))).toBe(false)
    const { size, stream } = await s.open(did, tmp.cid)
    expect(size).toBe(10)
    const chunks: Buffer[] = []
    for await (const c of stream) chunks.push(c as Buffer)
    expect(Buffer.concat(chunks).toString()).toBe('hello blob')
    const listed = []
    for await (const f of s.listPermanent()) listed.push(f)
    expect(listed).toEqual([{ did, cid: tmp.cid.toString() }])
    s.deletePermanentSync(did, tmp.cid)
    await expect(s.open(did, tmp.cid)).rejects.toThrow(BlobNotFoundError)
  })

  it('rejects paths that could escape the store', () => {
    const s = store()
    expect(() => s.tempPath('../etc/passwd')).toThrow(BlobStoreError)
    expect(() => s.permanentPath('../x', cidForRaw(new Uint8Array()))).toThrow(BlobStoreError)
    expect(() => s.permanentPath(did, '../../x')).toThrow()
    const dagCbor = CID.parse('bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm')
    expect(() => s.permanentPath(did, dagCbor)).toThrow(BlobStoreError)
  })
})

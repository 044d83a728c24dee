import { Secp256k1Keypair } from '@welkin/crypto'
import { BlockMap, CarError, cidForCbor, encodeCar, encodeCbor, readCar, readCarSync } from '@welkin/data'
import { beforeAll, describe, expect, it } from 'vitest'
import { MemoryBlockstore } from './blockstore.js'
import { exportRepoCar } from './car-export.js'
import { InvalidCommitError, MissingBlockError, RepoError } from './errors.js'
import { Repo } from './repo.js'
import { inspectRepoCar, readRepoRecords, verifyRepoCar } from './verify-car.js'

const did = 'did:plc:ewvi7nxzyoun6zhxrhs64oiz'
const keypair = Secp256k1Keypair.createSync()

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const p of stream) parts.push(p)
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let off = 0
  for (const p of parts) {
    out.set(p, off)
    off += p.length
  }
  return out
}

describe('repo CAR export and verification', () => {
  let repo: Repo
  let store: MemoryBlockstore
  let car: Uint8Array

  beforeAll(async () => {
    store = new MemoryBlockstore()
    const shared = { $type: 'app.bsky.feed.like', subject: 'same' }
    repo = await Repo.create(store, did, keypair, [
      ...Array.from({ length: 150 }, (_, i) => ({
        action: 'create' as const,
        collection: 'app.bsky.feed.post',
        rkey: `p${i}`,
        record: { $type: 'app.bsky.feed.post', text: `${i}` },
      })),
      // Two paths with the same record: one block.
      { action: 'create', collection: 'app.bsky.feed.like', rkey: 'a', record: shared },
      { action: 'create', collection: 'app.bsky.feed.like', rkey: 'b', record: shared },
      { action: 'create', collection: 'app.bsky.actor.profile', rkey: 'self', record: { $type: 'x' } },
    ])
    car = await collect(exportRepoCar(store, repo.cid))
  })

  it('streams the commit first, then the tree in pre-order', async () => {
    const { roots, blocks } = readCarSync(car)
    expect(roots[0].equals(repo.cid)).toBe(true)
    const order = [...blocks.cids()]
    expect(order[0].equals(repo.cid)).toBe(true)
    expect(order[1].equals(repo.data.getPointer())).toBe(true)
    // 153 paths, 152 distinct records, the commit, and the nodes.
    let nodes = 0
    for await (const item of repo.data.walk()) if (item.type === 'node') nodes++
    expect(blocks.size).toBe(1 + 152 + nodes)
  })

  it('verifies and inspects', async () => {
    const info = await verifyRepoCar(car, { did, key: keypair.did() })
    expect(info).toMatchObject({ did, rev: repo.rev, recordCount: 153 })
    expect(info.commit.equals(repo.cid)).toBe(true)
    expect(info.collections).toEqual({
      'app.bsky.actor.profile': 1,
      'app.bsky.feed.like': 2,
      'app.bsky.feed.post': 150,
    })
    expect(Object.keys(info.collections)).toEqual([
      'app.bsky.actor.profile',
      'app.bsky.feed.like',
      'app.bsky.feed.post',
    ])
    expect((await inspectRepoCar(car)).recordCount).toBe(153)
    const records = []
    for await (const r of readRepoRecords(car)) records.push(r)
    expect(records.length).toBe(153)
    expect(records[0]).toMatchObject({
      collection: 'app.bsky.actor.profile',
      rkey: 'self',
      value: { $type: 'x' },
    })
  })

  it('accepts any block order, duplicates and extra blocks', async () => {
    const { roots, blocks } = await readCar(car)
    const shuffled = new BlockMap()
    const list = [...blocks].reverse()
    const extra = encodeCbor({ unrelated: true })
    shuffled.set(cidForCbor(extra), extra)
    for (const b of list) shuffled.set(b.cid, b.bytes)
    const parts = encodeCar(roots, [...shuffled, list[0]])
    expect((await verifyRepoCar(parts, { key: keypair.did() })).recordCount).toBe(153)
  })

  it('fails on a wrong key or DID, a missing record or node, and a corrupt block', async () => {
    const { roots, blocks } = readCarSync(car)
    await expect(verifyRepoCar(car, { key: Secp256k1Keypair.createSync().did() })).rejects.toThrow(
      InvalidCommitError,
    )
    await expect(verifyRepoCar(car, { did: 'did:plc:aaaaaaaaaaaaaaaaaaaaaaaa' })).rejects.toThrow(
      InvalidCommitError,
    )
    const without = (pred: (i: number) => boolean) => {
      const out = new BlockMap()
      let i = 0
      for (const b of blocks) if (!pred(i++)) out.set(b.cid, b.bytes)
      return encodeCar(roots, out)
    }
    const order = [...blocks.cids()]
    const recordCid = (await repo.getRecordCid('app.bsky.feed.post', 'p7'))!
    const recordIndex = order.findIndex((c) => c.equals(recordCid))
    await expect(verifyRepoCar(without((i) => i === recordIndex))).rejects.toThrow(MissingBlockError)
    await expect(verifyRepoCar(without((i) => i === 1))).rejects.toThrow(MissingBlockError)
    // inspect only reads the tree, so a missing record is fine there.
    expect((await inspectRepoCar(without((i) => i === recordIndex))).recordCount).toBe(153)
    const corrupt = car.slice()
    corrupt[corrupt.length - 5] ^= 1
    await expect(verifyRepoCar(corrupt)).rejects.toThrow(CarError)
    await expect(verifyRepoCar(encodeCar([], []))).rejects.toThrow(RepoError)
  })
})

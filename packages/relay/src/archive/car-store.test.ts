// The archive's CAR store on real files: commits stored as CAR shards with their rev ranges,
// whole-repo and `since` exports, compaction into a new file, reopening, damaged shards
// (truncated, flipped bytes) answered with a typed error, and a SIGKILL at each step of a
// rewrite (child processes) leaving a readable archive and no stray files.
import { spawn } from 'node:child_process'
import { readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { readCar } from '@welkin/data'
import { exportRepoCar, verifyRepoCar } from '@welkin/repo'
import { afterEach, describe, expect, it } from 'vitest'
import { archivedAccount, collect, commitTo } from '../testing/archive-fixture.js'
import { tempDir } from '../testing/harness.js'
import { ArchiveStore } from './archive-store.js'
import { ArchiveCorruptError } from './corrupt-error.js'

const dirs: ReturnType<typeof tempDir>[] = []
const stores: ArchiveStore[] = []

function open(dir: string, errors?: Map<string, number>): ArchiveStore {
  const store = new ArchiveStore(join(dir, 'archive.sqlite'), {
    policy: { allowLoopback: true },
    readErrors: errors && { inc: ({ reason }) => errors.set(reason, (errors.get(reason) ?? 0) + 1) },
  })
  stores.push(store)
  return store
}

function fresh(errors?: Map<string, number>): { store: ArchiveStore; dir: string } {
  const d = tempDir('welkin-archive-')
  dirs.push(d)
  return { store: open(d.path, errors), dir: d.path }
}

afterEach(() => {
  for (const s of stores.splice(0)) {
    try {
      s.close()
    } catch {}
  }
  for (const d of dirs.splice(0)) d.remove()
})

/** Every .car file under the shard directory, relative to it. */
function carFiles(dir: string): string[] {
  const root = join(dir, 'archive')
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.car'))
    .sort()
}

async function blockKeys(car: Uint8Array): Promise<{ root: string; keys: Set<string> }> {
  const { roots, blocks } = await readCar(car)
  return { root: roots[0].toString(), keys: new Set([...blocks.cids()].map((c) => c.toString())) }
}

describe('ArchiveStore: a CAR store', () => {
  it('keeps each commit as a CAR shard with its rev range, and exports the whole repo or the diff since a rev', async () => {
    const { store } = fresh()
    const acct = await archivedAccount(store, { initial: 3, commits: 0 })
    const importRev = acct.repo.head!.commit.rev
    const fullAt = new Map<string, Set<string>>()
    fullAt.set(importRev, (await blockKeys(await collect(store.exportCar(acct.did)))).keys)
    for (let i = 0; i < 5; i++) {
      const msg = await commitTo(store, acct, i % 2 === 1)
      fullAt.set(msg.rev, (await blockKeys(await collect(store.exportCar(acct.did)))).keys)
    }
    const shards = store.shards(acct.did)
    expect(shards.map((s) => [s.since, s.rev])).toEqual([
      [null, importRev],
      ...acct.commits.map((c) => [c.since, c.rev]),
    ])
    expect(new Set(shards.map((s) => s.file)).size).toBe(1)

    const head = acct.repo.head!.cid.toString()
    const full = await collect(store.exportCar(acct.did))
    const info = await verifyRepoCar(full, { did: acct.did, key: acct.key.did() })
    expect(info.commit.toString()).toBe(head)
    expect(info.recordCount).toBe(acct.repo.rkeys.length)

    const revs = [importRev, ...acct.commits.map((c) => c.rev)]
    for (let k = 0; k < revs.length; k++) {
      const diff = await blockKeys(await collect(store.exportCar(acct.did, revs[k])))
      expect(diff.root).toBe(head)
      // Exactly the slices of the later commits (and the head commit).
      const want = new Set([head])
      for (const c of acct.commits.slice(k))
        for (const cid of (await readCar(c.blocks)).blocks.cids()) want.add(cid.toString())
      expect([...diff.keys].sort()).toEqual([...want].sort())
      // Applied to the repo as it was at that rev, the diff gives everything the head needs.
      const merged = new Set([...fullAt.get(revs[k])!, ...diff.keys])
      for (const key of fullAt.get(revs[revs.length - 1])!) expect(merged.has(key)).toBe(true)
    }
    // Before the oldest shard: everything.
    const all = await blockKeys(await collect(store.exportCar(acct.did, '2222222222222')))
    for (const key of fullAt.get(revs[revs.length - 1])!) expect(all.keys.has(key)).toBe(true)
  })

  it('compacts into one new shard file, unlinking the old one, and keeps serving diffs after it', async () => {
    const { store, dir } = fresh()
    const acct = await archivedAccount(store, { initial: 4, commits: 6 })
    const before = store.repo(acct.did)!.blocks
    const oldFiles = carFiles(dir)
    expect(oldFiles).toHaveLength(1)
    const removed = await store.compact(acct.did)
    expect(removed).toBeGreaterThan(3)
    expect(store.repo(acct.did)!.blocks).toBe(before - removed)
    expect(store.shards(acct.did)).toHaveLength(1)
    const files = carFiles(dir)
    expect(files).toHaveLength(1)
    expect(files[0]).not.toBe(oldFiles[0])
    const full = await collect(store.exportCar(acct.did))
    const info = await verifyRepoCar(full, { did: acct.did, key: acct.key.did() })
    expect(info.recordCount).toBe(acct.repo.rkeys.length)
    expect((await readCar(full)).blocks.size).toBe(store.repo(acct.did)!.blocks)

    const prevHead = acct.repo.head!.commit.rev
    const msg = await commitTo(store, acct)
    const diff = await blockKeys(await collect(store.exportCar(acct.did, prevHead)))
    expect([...diff.keys].sort()).toEqual(
      [...(await readCar(msg.blocks)).blocks.cids()].map((c) => c.toString()).sort(),
    )
    expect(carFiles(dir)).toHaveLength(1)
  })

  it('reopens with everything in place and appends where it left off', async () => {
    const { store, dir } = fresh()
    const acct = await archivedAccount(store, { commits: 3 })
    store.close()
    const again = open(dir)
    expect(again.repo(acct.did)?.head.equals(acct.repo.head!.cid)).toBe(true)
    await commitTo(again, acct, true)
    const info = await verifyRepoCar(await collect(again.exportCar(acct.did)), {
      did: acct.did,
      key: acct.key.did(),
    })
    expect(info.commit.equals(acct.repo.head!.cid)).toBe(true)
    expect(again.shards(acct.did)).toHaveLength(5)
    // A deleted account's archive goes, files and all.
    again.remove(acct.did)
    expect(again.repo(acct.did)).toBeUndefined()
    expect(again.shards(acct.did)).toEqual([])
    expect(carFiles(dir)).toEqual([])
  })

  it('answers a truncated shard with ArchiveCorruptError, counts it, and wants a backfill', async () => {
    const errors = new Map<string, number>()
    const { store, dir } = fresh(errors)
    const acct = await archivedAccount(store, { commits: 2 })
    // Cut the file inside the head commit block, which every export reads. (Cutting a fixed
    // tail could land in a block the index locates at an earlier copy, and pass by chance.)
    const at = store.index.block(acct.did, acct.repo.head!.cid)!
    const file = join(dir, 'archive', at.file)
    truncateSync(file, at.off + at.len - 1)
    const err = await collect(store.exportCar(acct.did)).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ArchiveCorruptError)
    expect((err as ArchiveCorruptError).reason).toBe('truncated')
    expect(errors.get('truncated')).toBe(1)
    expect(store.repo(acct.did)!.damaged).toBe(true)
    // Damaged: the next commit is a gap (the relay backfills), and a backfill repairs it.
    const msg = await acct.repo.commitMessage()
    expect(store.applyCommit(acct.did, msg)).toBe('gap')
    expect(await store.compact(acct.did)).toBe(0)
    const car = await collect(exportRepoCar(acct.repo.blockstore, msg.commit))
    await store.importCar(acct.did, car, acct.key.did())
    expect(store.repo(acct.did)!.damaged).toBe(false)
    await verifyRepoCar(await collect(store.exportCar(acct.did)), { did: acct.did, key: acct.key.did() })
    expect(carFiles(dir)).toHaveLength(1)
  })

  it('answers a block whose bytes no longer hash to its CID with ArchiveCorruptError', async () => {
    const errors = new Map<string, number>()
    const { store, dir } = fresh(errors)
    const acct = await archivedAccount(store, { commits: 1 })
    const [collection, rkey] = acct.repo.rkeys[0].split('/')
    const target = (await acct.repo.head!.getRecordCid(collection, rkey))!
    const at = store.index.block(acct.did, target)!
    const path = join(dir, 'archive', at.file)
    const bytes = readFileSync(path)
    bytes[at.off + Math.floor(at.len / 2)] ^= 0xff
    writeFileSync(path, bytes)
    const bs = store.blockstore(acct.did)
    expect(() => bs.getBytes(target)).toThrow(ArchiveCorruptError)
    expect(errors.get('hash-mismatch')).toBe(1)
    // A diff that reads the whole damaged shard fails the same way.
    await expect(collect(store.exportCar(acct.did, '2222222222222'))).rejects.toBeInstanceOf(
      ArchiveCorruptError,
    )
    expect(errors.get('bad-shard')).toBe(1)
  })

  it.each(['reserved', 'written', 'swapped'])(
    'is readable after a SIGKILL at the compaction step "%s", with no stray files',
    { timeout: 60_000 },
    async (step) => {
      const d = tempDir('welkin-archive-crash-')
      dirs.push(d)
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          fileURLToPath(new URL('../testing/archive-crash-child.ts', import.meta.url)),
          d.path,
          step,
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      )
      let stderr = ''
      child.stderr.on('data', (c: Buffer) => {
        stderr += c.toString()
      })
      const [code, signal] = await new Promise<[number | null, string | null]>((r) =>
        child.on('exit', (c, s) => r([c, s])),
      )
      expect({ code, signal, stderr }).toMatchObject({ signal: 'SIGKILL' })
      const expected = JSON.parse(readFileSync(join(d.path, 'expect.json'), 'utf8')) as {
        did: string
        key: string
        head: string
        records: number
      }
      const leftBehind = carFiles(d.path).length
      expect(leftBehind).toBe(step === 'reserved' ? 1 : 2)
      const store = open(d.path)
      const info = await verifyRepoCar(await collect(store.exportCar(expected.did)), {
        did: expected.did,
        key: expected.key,
      })
      expect(info.commit.toString()).toBe(expected.head)
      expect(info.recordCount).toBe(expected.records)
      // Exactly the files the index uses remain, and nothing is left pending or dead.
      const used = [...new Set(store.shards(expected.did).map((s) => s.file))].sort()
      expect(carFiles(d.path)).toEqual(used)
      expect(store.index.leftovers()).toEqual([])
      expect(store.shards(expected.did)).toHaveLength(step === 'swapped' ? 1 : 7)
    },
  )
})

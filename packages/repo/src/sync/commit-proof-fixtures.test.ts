// firehose/commit-proof-fixtures.json: every case, every order of undoing its ops.
import { BlockMap, CID } from '@welkin/data'
import { expect, it } from 'vitest'
import { describeInterop, readInteropJson } from '../../../../test/support/interop.js'
import { MemoryBlockstore } from '../blockstore.js'
import { diffTrees } from '../mst/diff.js'
import { MST } from '../mst/mst.js'
import { invertOps, type RecordOp } from './invert.js'
import { addInversionNodes } from './slice.js'

interface Fixture {
  comment: string
  leafValue: string
  keys: string[]
  adds: string[]
  dels: string[]
  rootBeforeCommit: string
  rootAfterCommit: string
  blocksInProof: string[]
}

function permutations(n: number): number[][] {
  if (n === 0) return [[]]
  const out: number[][] = []
  for (const rest of permutations(n - 1)) {
    for (let i = 0; i <= rest.length; i++) out.push([...rest.slice(0, i), n - 1, ...rest.slice(i)])
  }
  return out
}

describeInterop('firehose commit proofs', () => {
  const fixtures = readInteropJson<Fixture[]>('firehose/commit-proof-fixtures.json')

  it('has cases', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(6)
  })

  for (const fx of fixtures) {
    it(fx.comment, async () => {
      const leaf = CID.parse(fx.leafValue)
      const store = new MemoryBlockstore()
      const built = MST.fromEntries(fx.keys.map((key) => ({ key, cid: leaf })))
      store.putBlocks(built.getUnstoredBlocks().blocks)
      const before = MST.load(store, built.getPointer())
      expect(before.getPointer().toString()).toBe(fx.rootBeforeCommit)

      let after = before
      const ops: RecordOp[] = []
      for (const key of fx.adds) {
        after = await after.add(key, leaf)
        ops.push({ action: 'create', path: key, cid: leaf })
      }
      for (const key of fx.dels) {
        after = await after.delete(key)
        ops.push({ action: 'delete', path: key, cid: null, prev: leaf })
      }
      expect(after.getPointer().toString()).toBe(fx.rootAfterCommit)

      const slice = (await diffTrees(before, after)).newMstBlocks
      await addInversionNodes(after, ops, slice)
      expect([...slice.cids()].map(String).sort()).toEqual([...fx.blocksInProof].sort())

      // Undo from the fixture's proof blocks alone, in every order.
      const proof = new BlockMap()
      for (const s of fx.blocksInProof) {
        const cid = CID.parse(s)
        proof.set(cid, slice.get(cid)!)
      }
      const orders = permutations(ops.length)
      for (const order of orders) {
        expect(invertOps(proof, CID.parse(fx.rootAfterCommit), ops, order).toString(), `order ${order}`).toBe(
          fx.rootBeforeCommit,
        )
      }
    })
  }
})

// Group commit and the database's write gate: while a checkpoint holds the gate no batch
// commits; what queued meanwhile commits together once it opens, each job with its own result.
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { PdsDatabase } from './db/database.js'
import { GroupCommitter } from './group-commit.js'
import { Sequencer } from './sequencer.js'
import { tempDir } from './testing.js'

const cleanups: (() => void | Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c()
})

function setup(): { db: PdsDatabase; committer: GroupCommitter } {
  const d = tempDir()
  const db = PdsDatabase.open(join(d.path, 'db.sqlite'), { checkpoints: 'off' })
  cleanups.push(async () => {
    await db.shutdown()
    d.remove()
  })
  return { db, committer: new GroupCommitter(new Sequencer(db)) }
}

const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setTimeout(r, 1))
}

describe('GroupCommitter', () => {
  it('commits nothing while the write gate is held, then everything queued in one batch', async () => {
    const { db, committer } = setup()
    const ran: number[] = []
    db.writeGate.hold()
    const results = [1, 2, 3].map((i) =>
      committer.run(() => {
        ran.push(i)
        return i * 10
      }),
    )
    await turns(5)
    expect(ran).toEqual([])
    const batches = committer.batches
    db.writeGate.release()
    expect(await Promise.all(results)).toEqual([10, 20, 30])
    expect(ran).toEqual([1, 2, 3])
    expect(committer.batches).toBe(batches + 1)
  })

  it('fails only the job that throws when a held batch is released', async () => {
    const { db, committer } = setup()
    db.writeGate.hold()
    const ok = committer.run(() => 'ok')
    const bad = committer.run(() => {
      throw new Error('no')
    })
    // More than a batch queues up meanwhile: none of it is lost.
    const many = Array.from({ length: 100 }, (_, i) => committer.run(() => i))
    await turns(3)
    db.writeGate.release()
    await expect(bad).rejects.toThrow('no')
    expect(await ok).toBe('ok')
    expect(await Promise.all(many)).toEqual(Array.from({ length: 100 }, (_, i) => i))
  })
})

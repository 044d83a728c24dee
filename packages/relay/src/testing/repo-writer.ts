// Test and benchmark support: a repository that produces real signed commits and the
// `#commit` messages a PDS would send for them (Sync 1.1 slices included).
import { Secp256k1Keypair } from '@welkin/crypto'
import { type CommitMessage, commitMessage } from '@welkin/firehose'
import { type CommitData, MemoryBlockstore, type RecordWrite, Repo } from '@welkin/repo'
import { tidFromTime } from '@welkin/syntax'

let clock = Date.now() * 1000 - 3_600_000_000

/** A TID from a shared clock that only moves forward (an hour behind now, creeping up). */
export function nextTestTid(): string {
  clock += 1000
  return tidFromTime(clock, 0)
}

export class TestRepo {
  private repo: Repo | undefined
  readonly rkeys: string[] = []
  private counter = 0

  constructor(
    readonly did: string,
    /** The signing key; tests replace it to simulate a rotation. */
    public keypair: Secp256k1Keypair = Secp256k1Keypair.createSync(),
    private readonly store = new MemoryBlockstore(),
  ) {}

  get head(): Repo | undefined {
    return this.repo
  }

  /** A commit of `writes` (default: one new post), applied to this repo. */
  async commit(writes?: RecordWrite[]): Promise<CommitData> {
    const ws = writes ?? [this.post()]
    const rev = nextTestTid()
    let data: CommitData
    if (this.repo) {
      data = await this.repo.formatCommit(ws, this.keypair, { rev })
      this.repo = await this.repo.applyCommit(data)
    } else {
      data = await Repo.formatInitCommit(this.store, this.did, this.keypair, ws, { rev })
      await this.store.putBlocks(data.newBlocks)
      this.repo = await Repo.load(this.store, data.cid)
    }
    for (const w of ws) {
      if (w.action === 'create') this.rkeys.push(`${w.collection}/${w.rkey}`)
      if (w.action === 'delete') this.rkeys.splice(this.rkeys.indexOf(`${w.collection}/${w.rkey}`), 1)
    }
    return data
  }

  /** The `#commit` message of a commit of `writes` (seq left for the caller). */
  async commitMessage(writes?: RecordWrite[], seq = 1): Promise<CommitMessage> {
    return commitMessage(await this.commit(writes), seq)
  }

  post(text = `post ${this.counter}`): RecordWrite {
    this.counter++
    return {
      action: 'create',
      collection: 'app.bsky.feed.post',
      rkey: nextTestTid(),
      record: { $type: 'app.bsky.feed.post', text, createdAt: new Date().toISOString() },
    }
  }

  /** Exports the whole repo as CAR bytes. */
  get blockstore(): MemoryBlockstore {
    return this.store
  }
}

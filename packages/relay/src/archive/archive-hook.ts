// Keeps the archive in step with ingest: each accepted commit extends the account's archived
// repo, or (first sight, broken chain, #sync) triggers a backfill from the account's PDS. Runs
// inside the account's ingest task, so a backfill and the commits after it stay in order.
import type { CommitMessage } from '@welkin/firehose'
import type { ArchiveHook } from '../ingest/processor.js'
import type { RelayLogger } from '../logger.js'
import type { RepoState } from '../state/repo-state.js'
import { Lru } from '../util/lru.js'
import type { ArchiveStore } from './archive-store.js'

/** A failed backfill is not retried for an account sooner than this. */
const RETRY_MS = 60_000

export class ArchiveSync implements ArchiveHook {
  private readonly attempts = new Lru<string, number>(100_000)

  constructor(
    private readonly store: ArchiveStore,
    private readonly logger: RelayLogger,
    private readonly now: () => number = Date.now,
  ) {}

  async commit(state: RepoState, msg: CommitMessage, _result: unknown, chainBroken: boolean): Promise<void> {
    const outcome = chainBroken ? 'gap' : this.store.applyCommit(state.did, msg)
    if (outcome === 'gap') await this.backfill(state)
  }

  async sync(state: RepoState): Promise<void> {
    await this.backfill(state, true)
  }

  status(state: RepoState): void {
    if (!state.upstreamActive && state.upstreamStatus === 'deleted') this.store.remove(state.did)
  }

  private async backfill(state: RepoState, force = false): Promise<void> {
    if (!state.pds || !state.signingKey) return
    const last = this.attempts.get(state.did)
    if (!force && last !== undefined && this.now() - last < RETRY_MS) return
    this.attempts.set(state.did, this.now())
    try {
      const repo = await this.store.backfill(state.did, state.pds, state.signingKey)
      this.attempts.delete(state.did)
      this.logger.log('info', 'archive: backfilled a repo', {
        did: state.did,
        rev: repo.rev,
        blocks: repo.blocks,
      })
    } catch (err) {
      this.logger.log('warn', 'archive: backfill failed', { did: state.did, err })
    }
  }
}

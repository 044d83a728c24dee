// The (collection, DID) index behind com.atproto.sync.listReposByCollection: a DID is listed
// for a collection once a record of it was created in a verified commit. Most commits touch
// pairs already known, so a bounded set of recent pairs keeps the database out of the hot path.
import type { Sqlite } from '../db/database.js'
import { Lru } from '../util/lru.js'

export class CollectionIndex {
  private readonly recent: Lru<string, true>
  private pending: [string, string][] = []
  private readonly insert
  private readonly page

  constructor(db: Sqlite, recentPairs = 200_000) {
    this.recent = new Lru(recentPairs)
    this.insert = db.prepare('INSERT OR IGNORE INTO repo_collections (collection, did) VALUES (?, ?)')
    this.page = db.prepare(
      'SELECT did FROM repo_collections WHERE collection = ? AND did > ? ORDER BY did LIMIT ?',
    )
  }

  add(did: string, collection: string): void {
    const key = `${collection} ${did}`
    if (this.recent.get(key)) return
    this.recent.set(key, true)
    this.pending.push([collection, did])
  }

  /** Writes pending pairs; call inside the flush transaction. */
  writePending(): number {
    return this.writePairs(this.takePending())
  }

  takePending(): [string, string][] {
    const batch = this.pending
    this.pending = []
    return batch
  }

  writePairs(pairs: [string, string][]): number {
    for (const [collection, did] of pairs) this.insert.run(collection, did)
    return pairs.length
  }

  list(collection: string, after: string, limit: number): string[] {
    return (this.page.all(collection, after, limit) as { did: string }[]).map((r) => r.did)
  }
}

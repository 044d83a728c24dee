// One repository's blocks in SQLite, as a blockstore @welkin/repo can walk: MST nodes from
// repo_block, the current commit from repo_root, records from the record table. Reads are
// synchronous (better-sqlite3), so MST operations over it run without awaiting.
import type { BlockMap, CID } from '@welkin/data'
import type { RepoBlockstore } from '@welkin/repo'
import type { BlockCache } from './block-cache.js'
import type { PdsDatabase } from './db/database.js'

export class SqlRepoStore implements RepoBlockstore {
  constructor(
    readonly db: PdsDatabase,
    readonly did: string,
    /** Where MST nodes and commits are kept between writes. */
    readonly cache?: BlockCache,
    /** Rev recorded for blocks stored through `putBlocks`. */
    public rev = '',
  ) {}

  getBytes(cid: CID): Uint8Array | null {
    const hit = this.cache?.get(cid)
    if (hit !== undefined) return hit
    const bytes = this.#node(cid) ?? this.#commit(cid) ?? this.#record(cid)
    if (bytes !== null) this.cache?.set(cid, bytes)
    return bytes
  }

  #node(cid: CID): Uint8Array | null {
    const row = this.db
      .prepare('SELECT bytes FROM repo_block WHERE did = ? AND cid = ?')
      .get(this.did, cid.bytes) as { bytes: Uint8Array } | undefined
    return row?.bytes ?? null
  }

  #commit(cid: CID): Uint8Array | null {
    const row = this.db
      .prepare('SELECT commit_bytes FROM repo_root WHERE did = ? AND cid = ?')
      .get(this.did, cid.bytes) as { commit_bytes: Uint8Array } | undefined
    return row?.commit_bytes ?? null
  }

  // Records are stored by path, not CID (schema.ts): finding one by CID scans the account's
  // records. Tree operations never ask for records; getBlocks-style reads of records should go
  // through RepoReader.getBlocks, which scans once per request.
  #record(cid: CID): Uint8Array | null {
    const row = this.db
      .prepare('SELECT bytes FROM record WHERE did = ? AND cid = ? LIMIT 1')
      .get(this.did, cid.bytes) as { bytes: Uint8Array } | undefined
    return row?.bytes ?? null
  }

  /** Stores MST node blocks (inside the caller's transaction, when there is one). */
  putBlocks(blocks: BlockMap): void {
    const insert = this.db.prepare(
      `INSERT INTO repo_block (did, cid, rev, bytes) VALUES (?, ?, ?, ?)
       ON CONFLICT (did, cid) DO UPDATE SET rev = excluded.rev`,
    )
    this.db.transact(() => {
      for (const { cid, bytes } of blocks) insert.run(this.did, cid.bytes, this.rev, bytes)
    })
  }
}

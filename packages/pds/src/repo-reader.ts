// Reads of stored repositories for the read endpoints (getRecord, listRecords, getRepo,
// getLatestCommit, getBlocks). Records are served from the record table, not by walking the
// tree; exports read from a snapshot so concurrent writes cannot tear them.
import { BlockMap, CID, type DataValue, decodeCbor, writeCar } from '@welkin/data'
import { decodeCommit, MST } from '@welkin/repo'
import type { PdsDatabase, Sqlite } from './db/database.js'
import { DatabaseError, RepoNotFoundError } from './errors.js'

export interface StoredRecord {
  uri: string
  cid: CID
  value: DataValue
  /** The record's DAG-CBOR block. */
  bytes: Uint8Array
}

export interface ListRecordsOptions {
  limit?: number
  /** Record key to continue after (exclusive), in the listing direction. */
  cursor?: string
  /** Oldest first (ascending rkey); the default is newest first, as listRecords answers. */
  reverse?: boolean
}

interface RecordRow {
  rkey: string
  cid: Uint8Array
  bytes: Uint8Array
}

export class RepoReader {
  constructor(readonly db: PdsDatabase) {}

  /** Current commit CID and rev, or null when the DID has no repo here. */
  getRoot(did: string): { cid: CID; rev: string } | null {
    const row = this.db.prepare('SELECT cid, rev FROM repo_root WHERE did = ?').get(did) as
      | { cid: Uint8Array; rev: string }
      | undefined
    return row ? { cid: CID.decode(row.cid), rev: row.rev } : null
  }

  /** The record at a path (null if absent, taken down, or not at `cid` when one is given). */
  getRecord(did: string, collection: string, rkey: string, cid?: CID): StoredRecord | null {
    const row = this.db
      .prepare(
        'SELECT rkey, cid, bytes FROM record WHERE did = ? AND collection = ? AND rkey = ? AND takedown_ref IS NULL',
      )
      .get(did, collection, rkey) as RecordRow | undefined
    if (!row) return null
    const record = toStored(did, collection, row)
    return cid && !cid.equals(record.cid) ? null : record
  }

  listRecords(did: string, collection: string, opts: ListRecordsOptions = {}): StoredRecord[] {
    const limit = Math.max(1, Math.min(opts.limit ?? 50, 100))
    const descending = !opts.reverse
    const cursorClause = opts.cursor === undefined ? '' : `AND rkey ${descending ? '<' : '>'} ?`
    const sql = `SELECT rkey, cid, bytes FROM record
      WHERE did = ? AND collection = ? AND takedown_ref IS NULL ${cursorClause}
      ORDER BY rkey ${descending ? 'DESC' : 'ASC'} LIMIT ?`
    const params: (string | number)[] = [did, collection]
    if (opts.cursor !== undefined) params.push(opts.cursor)
    params.push(limit)
    const rows = this.db.prepare(sql).all(...params) as RecordRow[]
    return rows.map((r) => toStored(did, collection, r))
  }

  /** Collections that hold at least one record, in order (a skip-scan over the primary key). */
  listCollections(did: string): string[] {
    const rows = this.db
      .prepare(
        `WITH RECURSIVE c(name) AS (
           SELECT min(collection) FROM record WHERE did = @did
           UNION ALL SELECT (SELECT min(collection) FROM record WHERE did = @did AND collection > c.name) FROM c
           WHERE c.name IS NOT NULL)
         SELECT name FROM c WHERE name IS NOT NULL`,
      )
      .all({ did }) as { name: string }[]
    return rows.map((r) => r.name)
  }

  /**
   * Blocks of the repo by CID (com.atproto.sync.getBlocks): MST nodes and the commit by key;
   * records, stored by path, with one scan of the account's records for the whole request.
   */
  getBlocks(did: string, cids: readonly CID[]): { blocks: BlockMap; missing: CID[] } {
    return this.db.read((db) => {
      const blocks = new BlockMap()
      const wanted = new Map<string, CID>()
      const node = db.prepare('SELECT bytes FROM repo_block WHERE did = ? AND cid = ?')
      const commit = db.prepare('SELECT commit_bytes AS bytes FROM repo_root WHERE did = ? AND cid = ?')
      for (const cid of cids) {
        const row = (node.get(did, cid.bytes) ?? commit.get(did, cid.bytes)) as
          | { bytes: Uint8Array }
          | undefined
        if (row) blocks.set(cid, row.bytes)
        else wanted.set(cid.key, cid)
      }
      if (wanted.size > 0) {
        for (const r of db
          .prepare('SELECT cid, bytes FROM record WHERE did = ?')
          .iterate(did) as Iterable<RecordRow>) {
          const cid = CID.decode(r.cid)
          if (!wanted.has(cid.key)) continue
          blocks.set(cid, r.bytes)
          wanted.delete(cid.key)
          if (wanted.size === 0) break
        }
      }
      return { blocks, missing: [...wanted.values()] }
    })
  }

  /**
   * The whole repo as a CAR stream (com.atproto.sync.getRepo): the commit first, then the tree
   * in the streamable order of repository.md. Reads a snapshot, so writes landing while a slow
   * client downloads do not tear it. Throws RepoNotFoundError before streaming anything.
   */
  exportCar(did: string): AsyncIterable<Uint8Array> {
    if (!this.getRoot(did)) throw new RepoNotFoundError(did)
    return this.#exportSnapshot(did)
  }

  // The snapshot opens at the first pull and the root is read from it, so the CAR header and
  // the blocks always describe the same commit.
  async *#exportSnapshot(did: string): AsyncGenerator<Uint8Array> {
    const snap = this.db.openSnapshot()
    try {
      const root = snap.sqlite.prepare('SELECT cid, commit_bytes FROM repo_root WHERE did = ?').get(did) as
        | { cid: Uint8Array; commit_bytes: Uint8Array }
        | undefined
      if (!root) throw new RepoNotFoundError(did)
      yield* writeCar([CID.decode(root.cid)], snapshotBlocks(snap.sqlite, did, root))
    } finally {
      snap.release()
    }
  }
}

function toStored(did: string, collection: string, r: RecordRow): StoredRecord {
  return {
    uri: `at://${did}/${collection}/${r.rkey}`,
    cid: CID.decode(r.cid),
    value: decodeCbor(r.bytes),
    bytes: r.bytes,
  }
}

async function* snapshotBlocks(
  sqlite: Sqlite,
  did: string,
  root: { cid: Uint8Array; commit_bytes: Uint8Array },
): AsyncGenerator<{ cid: CID; bytes: Uint8Array }> {
  yield { cid: CID.decode(root.cid), bytes: root.commit_bytes }
  const node = sqlite.prepare('SELECT bytes FROM repo_block WHERE did = ? AND cid = ?')
  const record = sqlite.prepare('SELECT cid, bytes FROM record WHERE did = ? AND collection = ? AND rkey = ?')
  const store = {
    getBytes: (cid: CID) => (node.get(did, cid.bytes) as { bytes: Uint8Array } | undefined)?.bytes ?? null,
  }
  const data = decodeCommit(root.commit_bytes).data
  // A record shared by several paths is written once.
  const sent = new Set<string>()
  for await (const item of MST.load(store, data).walk({ checkLayers: false })) {
    if (item.type === 'node') {
      yield { cid: item.cid, bytes: item.bytes }
      continue
    }
    if (sent.has(item.cid.key)) continue
    sent.add(item.cid.key)
    const slash = item.key.indexOf('/')
    const row = record.get(did, item.key.slice(0, slash), item.key.slice(slash + 1)) as RecordRow | undefined
    if (!row || !item.cid.equals(CID.decode(row.cid))) {
      throw new DatabaseError(
        `repo ${did}: record ${item.key} (${item.cid}) is missing from the record table`,
      )
    }
    yield { cid: item.cid, bytes: row.bytes }
  }
}

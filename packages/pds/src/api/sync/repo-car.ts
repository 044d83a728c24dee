// getRepo's CAR, read from the tables: the current commit, the MST nodes (walked from the root,
// so nodes a commit dropped but the collector has not deleted yet stay out), then the records
// in storage order, each written from its stored CID bytes without decoding. Records are not
// looked up one by one along the tree: repository.md makes no block order mandatory after the
// commit (the official PDS exports in storage order too), and per-record lookups cost more than
// the budget (10,000 records in 300 ms) allows.
//
// With `since`, only blocks stored by a commit newer than that rev: every node and record row
// carries the rev of the commit that last wrote it, and a node no newer than `since` roots a
// subtree the client already has, so the walk stops there.
//
// Reads come from a snapshot (a separate read transaction): a write landing while a client
// downloads cannot mix two commits into one CAR.
import { CID, type DataValue, decodeCbor, encodeCarHeader } from '@welkin/data'
import { decodeCommit } from '@welkin/repo'
import type { PdsDatabase, Sqlite } from '../../db/database.js'
import { DatabaseError, RepoNotFoundError } from '../../errors.js'

const CHUNK = 64 * 1024

interface Row {
  cid: Uint8Array
  bytes: Uint8Array
}

/** Packs CAR sections (varint length, CID bytes, block bytes) into chunks of about CHUNK bytes. */
class CarChunks {
  #buf = new Uint8Array(CHUNK)
  #pos = 0
  readonly ready: Uint8Array[] = []

  push(cid: Uint8Array, bytes: Uint8Array): void {
    const len = cid.length + bytes.length
    const need = 10 + len
    if (this.#pos + need > this.#buf.length) {
      this.flush()
      if (need > this.#buf.length) this.#buf = new Uint8Array(need)
    }
    let n = len
    while (n >= 0x80) {
      this.#buf[this.#pos++] = (n & 0x7f) | 0x80
      n >>>= 7
    }
    this.#buf[this.#pos++] = n
    this.#buf.set(cid, this.#pos)
    this.#pos += cid.length
    this.#buf.set(bytes, this.#pos)
    this.#pos += bytes.length
  }

  flush(): void {
    if (this.#pos === 0) return
    this.ready.push(this.#buf.subarray(0, this.#pos))
    this.#buf = new Uint8Array(Math.max(CHUNK, this.#buf.length))
    this.#pos = 0
  }
}

export function exportRepoCar(db: PdsDatabase, did: string, since?: string): AsyncIterable<Uint8Array> {
  return stream(db, did, since ?? '')
}

async function* stream(db: PdsDatabase, did: string, since: string): AsyncGenerator<Uint8Array> {
  const snap = db.openSnapshot()
  try {
    const sqlite = snap.sqlite
    const root = sqlite.prepare('SELECT cid, commit_bytes FROM repo_root WHERE did = ?').get(did) as
      | { cid: Uint8Array; commit_bytes: Uint8Array }
      | undefined
    if (!root) throw new RepoNotFoundError(did)
    const out = new CarChunks()
    out.ready.push(encodeCarHeader([CID.decode(root.cid)]))
    out.push(root.cid, root.commit_bytes)
    for (const node of treeNodes(sqlite, did, decodeCommit(root.commit_bytes).data, since)) {
      out.push(node.cid, node.bytes)
      if (out.ready.length > 0) yield* drain(out)
    }
    // Identical records at two paths are one block.
    const sent = new Set<string>()
    const records = sqlite.prepare('SELECT cid, bytes FROM record WHERE did = ? AND rev > ?')
    for (const r of records.iterate(did, since) as Iterable<Row>) {
      const k = Buffer.from(r.cid.buffer, r.cid.byteOffset, r.cid.byteLength).toString('latin1')
      if (sent.has(k)) continue
      sent.add(k)
      out.push(r.cid, r.bytes)
      if (out.ready.length > 0) yield* drain(out)
    }
    out.flush()
    yield* drain(out)
  } finally {
    snap.release()
  }
}

function* drain(out: CarChunks): Generator<Uint8Array> {
  while (out.ready.length > 0) yield out.ready.shift()!
}

/** The tree's nodes newer than `since` in pre-order (a node, then its subtrees left to right). */
function* treeNodes(sqlite: Sqlite, did: string, data: CID, since: string): Generator<Row> {
  const get = sqlite.prepare('SELECT bytes, rev FROM repo_block WHERE did = ? AND cid = ?')
  const stack: CID[] = [data]
  for (let cid = stack.pop(); cid !== undefined; cid = stack.pop()) {
    const row = get.get(did, cid.bytes) as { bytes: Uint8Array; rev: string } | undefined
    if (!row) throw new DatabaseError(`repo ${did}: MST node ${cid} is missing`)
    if (row.rev <= since) continue
    yield { cid: cid.bytes, bytes: row.bytes }
    const children = subtrees(decodeCbor(row.bytes), cid)
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i])
  }
}

/** repository.md "MST Structure": `l` is the leftmost subtree, each entry's `t` the one after it. */
function subtrees(node: DataValue, cid: CID): CID[] {
  const n = node as { l?: DataValue; e?: DataValue }
  if (!Array.isArray(n.e)) throw new DatabaseError(`MST node ${cid} has no entry list`)
  const out: CID[] = []
  if (n.l instanceof CID) out.push(n.l)
  for (const e of n.e) {
    const t = (e as { t?: DataValue }).t
    if (t instanceof CID) out.push(t)
  }
  return out
}

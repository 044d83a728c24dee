// The driving side of anti-entropy. Starting from the root, it asks the peer for the children
// of every prefix whose fingerprints differ, descends while a differing child is large on both
// sides, fetches the peer's entries of small ones (merging them through the graph's checks),
// and pushes back its own entries the peer lacks or holds older. Several prefixes travel per
// frame, so a session takes about log16(n) + 2 round trips whatever the number of differences.
import { encodeCbor, varintLength } from '@welkin/data'
import { encodeUpdates, entryHash, type GraphEntry, updateToData } from '@welkin/graph'
import { SyncError } from '../errors.js'
import { decodeResponse, encodeRequest, type GetResult, SYNC_LIMITS, type SyncRequest } from './messages.js'
import { decodeBatch, type SyncReplica } from './replica.js'
import {
  childPrefix,
  equalBytes,
  hashEquals,
  keyHash,
  LEAF_MAX,
  MAX_DEPTH,
  nibbleAt,
  type Summary,
} from './trie.js'

/** One request/response exchange with the peer. */
export interface SyncChannel {
  request(frame: Uint8Array): Promise<Uint8Array>
}

export interface SyncReport {
  /** Round trips. */
  rounds: number
  /** Bytes on the wire each way, length prefixes included. */
  bytesSent: number
  bytesReceived: number
  /** Entries from the peer that changed this replica. */
  received: number
  /** Entries pushed to the peer. */
  sent: number
  /** Entries from the peer this replica's graph refused. */
  rejected: number
  /** Pushed entries the peer's graph refused. */
  refused: number
}

export interface SyncOptions {
  /** Most round trips before giving up (default 10,000). */
  maxRounds?: number
  signal?: AbortSignal
}

interface Wanted {
  prefix: Uint8Array
  expect: number
}

const ROOT = new Uint8Array(0)
const keyOf = (soul: string, prop: string) => JSON.stringify([soul, prop])

export async function runSync(
  replica: SyncReplica,
  channel: SyncChannel,
  opts: SyncOptions = {},
): Promise<SyncReport> {
  const maxRounds = opts.maxRounds ?? 10_000
  const trie = replica.trie
  const report: SyncReport = {
    rounds: 0,
    bytesSent: 0,
    bytesReceived: 0,
    received: 0,
    sent: 0,
    rejected: 0,
    refused: 0,
  }
  const compare: Uint8Array[] = [ROOT]
  const wanted: Wanted[] = []
  let push: GraphEntry[] = []

  const pushUnder = (prefix: Uint8Array, theirs?: Map<string, Uint8Array>) => {
    for (const it of trie.items(prefix)) {
      const h = theirs?.get(keyOf(it.soul, it.prop))
      if (h !== undefined && hashEquals(it, h)) continue
      const e = replica.entry(it.soul, it.prop)
      if (e !== undefined) push.push(e)
    }
  }

  const onChildren = (prefix: Uint8Array, kids: Summary[]) => {
    const mine = trie.children(prefix)
    kids.forEach((theirs, n) => {
      if (equalBytes(theirs.fp, mine[n].fp)) return
      const child = childPrefix(prefix, n)
      if (theirs.count === 0) pushUnder(child)
      else if (
        theirs.count <= LEAF_MAX ||
        (mine[n].count === 0 && theirs.count <= SYNC_LIMITS.maxEntries) ||
        child.length === MAX_DEPTH
      )
        wanted.push({ prefix: child, expect: theirs.count })
      else compare.push(child)
    })
  }

  const onEntries = (want: Wanted, result: GetResult) => {
    if (result === 'later') wanted.push(want)
    else if (result === 'split') {
      if (want.prefix.length >= MAX_DEPTH) throw new SyncError('protocol', 'peer split a full-length prefix')
      compare.push(want.prefix)
    } else {
      const updates = decodeBatch(result)
      const theirs = new Map<string, Uint8Array>()
      for (const u of updates) {
        const key = keyHash(u.soul, u.prop)
        for (let d = 0; d < want.prefix.length; d++)
          if (nibbleAt(key, d) !== want.prefix[d])
            throw new SyncError('protocol', 'peer sent an entry outside the prefix')
        theirs.set(keyOf(u.soul, u.prop), entryHash(u))
      }
      const merged = replica.merge(updates)
      report.received += merged.changed.length
      report.rejected += merged.rejected.length
      pushUnder(want.prefix, theirs)
    }
  }

  while (compare.length > 0 || wanted.length > 0 || push.length > 0) {
    opts.signal?.throwIfAborted()
    if (report.rounds >= maxRounds) throw new SyncError('limit', `sync did not finish in ${maxRounds} rounds`)
    const req: SyncRequest = {
      cmp: compare.splice(0, SYNC_LIMITS.maxCmp).map((p) => [p, trie.summary(p).fp]),
      get: [],
      put: null,
    }
    const gets: Wanted[] = []
    let expected = 0
    while (wanted.length > 0 && gets.length < SYNC_LIMITS.maxGet) {
      if (gets.length > 0 && expected + wanted[0].expect > SYNC_LIMITS.maxEntries) break
      const w = wanted.shift()!
      gets.push(w)
      expected += w.expect
    }
    req.get = gets.map((w) => w.prefix)
    const [batch, rest] = takeBatch(push)
    push = rest
    if (batch.length > 0) {
      req.put = encodeUpdates(batch)
      report.sent += batch.length
    }
    const frame = encodeRequest(req)
    report.bytesSent += frame.length + varintLength(frame.length)
    const reply = await channel.request(frame)
    report.rounds++
    report.bytesReceived += reply.length + varintLength(reply.length)
    const res = decodeResponse(reply)
    if (res.cmp.length !== req.cmp.length || res.get.length !== gets.length)
      throw new SyncError('protocol', 'response does not answer the request')
    report.refused += res.rejected
    res.cmp.forEach((kids, i) => {
      if (kids !== null) onChildren(req.cmp[i][0], kids)
    })
    res.get.forEach((result, i) => {
      onEntries(gets[i], result)
    })
  }
  return report
}

/** The longest head of `entries` within one frame's entry and byte budget. */
function takeBatch(entries: GraphEntry[]): [GraphEntry[], GraphEntry[]] {
  let bytes = 0
  let n = 0
  while (n < entries.length && n < SYNC_LIMITS.maxEntries) {
    const size = encodeCbor(updateToData(entries[n])).length
    if (n > 0 && bytes + size > SYNC_LIMITS.maxBatchBytes) break
    bytes += size
    n++
  }
  return [entries.slice(0, n), entries.slice(n)]
}

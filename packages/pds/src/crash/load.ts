// The write load for the HTTP kill -9 test: workers, each owning the records it creates in one
// account, send createRecord (server- and client-chosen keys), putRecord, deleteRecord and
// applyWrites batches over keep-alive connections, and enter every answer in the ledger. A
// worker stops at its first network failure (the server was killed), marking that write as
// unanswered; it never touches an unanswered record again.
import { nextTid } from '@welkin/syntax'
import type { HttpReply, KeepAliveClient } from './http-client.js'
import { expectedCid, type Ledger } from './ledger.js'

const POST = 'app.bsky.feed.post'

export interface LoadAccount {
  did: string
  accessJwt: string
}

/** A worker's identity persists across server restarts; its records come from the ledger. */
export interface LoadWorker {
  account: LoadAccount
  /** Which share of the account's records this worker owns: the URIs hashing to `slot` mod `slots`. */
  slot: number
  slots: number
  written: number
}

export interface LoadRun {
  /** Answers other than 200 (none expected: every write here is valid). */
  unexpected: string[]
  /** Resolves when every worker has stopped. */
  done: Promise<void>
  stop(): void
}

type Outcome =
  | { uri: string; cid: string | null; orphan?: false }
  | { uri?: undefined; cid: string; orphan: true }

function rkeyOf(uri: string): string {
  return uri.slice(uri.lastIndexOf('/') + 1)
}

function uriOf(did: string, rkey: string): string {
  return `at://${did}/${POST}/${rkey}`
}

/** One random write: the request, and what it does if it happened. */
function pickWrite(
  w: LoadWorker,
  live: string[],
  rand: () => number,
): { nsid: string; body: Record<string, unknown>; outcomes: Outcome[] } {
  const did = w.account.did
  const record = () => ({
    $type: POST,
    text: `w${did.slice(-6)}.${w.slot} #${w.written++} ${nextTid()}`,
    createdAt: new Date().toISOString(),
  })
  const take = () => live.splice(Math.floor(rand() * live.length), 1)[0]
  const r = rand()
  if (r < 0.3 || live.length < 4) {
    const rec = record()
    if (r < 0.15)
      return {
        nsid: 'com.atproto.repo.createRecord',
        body: { repo: did, collection: POST, record: rec },
        outcomes: [{ cid: expectedCid(rec), orphan: true }],
      }
    const rkey = nextTid()
    return {
      nsid: 'com.atproto.repo.createRecord',
      body: { repo: did, collection: POST, rkey, record: rec },
      outcomes: [{ uri: uriOf(did, rkey), cid: expectedCid(rec) }],
    }
  }
  if (r < 0.55) {
    const uri = take()
    const rec = record()
    return {
      nsid: 'com.atproto.repo.putRecord',
      body: { repo: did, collection: POST, rkey: rkeyOf(uri), record: rec },
      outcomes: [{ uri, cid: expectedCid(rec) }],
    }
  }
  if (r < 0.7) {
    const uri = take()
    return {
      nsid: 'com.atproto.repo.deleteRecord',
      body: { repo: did, collection: POST, rkey: rkeyOf(uri) },
      outcomes: [{ uri, cid: null }],
    }
  }
  const writes: Record<string, unknown>[] = []
  const outcomes: Outcome[] = []
  for (let i = 0; i < 3; i++) {
    const rec = record()
    const rkey = nextTid()
    writes.push({ $type: 'com.atproto.repo.applyWrites#create', collection: POST, rkey, value: rec })
    outcomes.push({ uri: uriOf(did, rkey), cid: expectedCid(rec) })
  }
  const upd = take()
  const rec = record()
  writes.push({
    $type: 'com.atproto.repo.applyWrites#update',
    collection: POST,
    rkey: rkeyOf(upd),
    value: rec,
  })
  outcomes.push({ uri: upd, cid: expectedCid(rec) })
  const del = take()
  writes.push({ $type: 'com.atproto.repo.applyWrites#delete', collection: POST, rkey: rkeyOf(del) })
  outcomes.push({ uri: del, cid: null })
  return { nsid: 'com.atproto.repo.applyWrites', body: { repo: did, writes }, outcomes }
}

/** The record URIs and CIDs a 200 answer acknowledges, in `outcomes` order. */
function acknowledged(
  nsid: string,
  reply: HttpReply,
  outcomes: Outcome[],
): { uri: string; cid: string | null }[] {
  const j = reply.json
  if (nsid === 'com.atproto.repo.applyWrites') {
    return (j.results as { uri?: string; cid?: string }[]).map((res, i) => ({
      uri: res.uri ?? (outcomes[i].uri as string),
      cid: res.cid ?? null,
    }))
  }
  if (nsid === 'com.atproto.repo.deleteRecord') return [{ uri: outcomes[0].uri as string, cid: null }]
  return [{ uri: j.uri, cid: j.cid }]
}

async function runWorker(
  client: KeepAliveClient,
  w: LoadWorker,
  ledger: Ledger,
  run: { stopped: boolean; unexpected: string[] },
  rand: () => number,
): Promise<void> {
  const did = w.account.did
  // Within a round each record has one writer, so the answers to its writes arrive in order.
  const live = ledger.settled(did).filter((uri) => hash(uri) % w.slots === w.slot)
  while (!run.stopped) {
    const { nsid, body, outcomes } = pickWrite(w, live, rand)
    let reply: HttpReply
    try {
      reply = await client.post(nsid, body, w.account.accessJwt)
    } catch {
      for (const o of outcomes) {
        if (o.orphan) ledger.orphan(did, o.cid)
        else ledger.unanswered(did, o.uri, o.cid)
      }
      return
    }
    if (reply.status !== 200) {
      run.unexpected.push(`${nsid} -> ${reply.status} ${reply.bytes.toString('utf8').slice(0, 300)}`)
      return
    }
    const acks = acknowledged(nsid, reply, outcomes)
    for (const [i, a] of acks.entries()) {
      const o = outcomes[i]
      if (a.cid !== o.cid)
        run.unexpected.push(`${nsid}: ${a.uri} acknowledged as ${a.cid}, the record's CID is ${o.cid}`)
      ledger.ack(did, a.uri, a.cid)
      if (a.cid !== null) live.push(a.uri)
    }
    if (reply.json.commit) ledger.ackCommit({ did, cid: reply.json.commit.cid, rev: reply.json.commit.rev })
    else run.unexpected.push(`${nsid}: no commit in the answer`)
  }
}

function hash(s: string): number {
  let h = 0
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0
  return Math.abs(h)
}

/** Starts every worker against `client`; they run until stop() or the server goes away. */
export function startLoad(
  client: KeepAliveClient,
  workers: LoadWorker[],
  ledger: Ledger,
  seed: number,
): LoadRun {
  let s = seed
  const rand = () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff
    return s / 0x80000000
  }
  const run = { stopped: false, unexpected: [] as string[] }
  const done = Promise.all(workers.map((w) => runWorker(client, w, ledger, run, rand))).then(() => {})
  return {
    unexpected: run.unexpected,
    done,
    stop: () => {
      run.stopped = true
    },
  }
}

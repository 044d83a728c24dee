// What a client under kill -9 knows about the server's state: the last acknowledged state of
// every record it wrote, and for each write that got no answer (the server died mid-request)
// the outcomes it may or may not have had. The final check compares the server against it.
import { cidForData, jsonToData } from '@welkin/data'

interface RecordState {
  did: string
  /** CID of the last acknowledged state, or null when it was acknowledged absent (or never created). */
  acked: string | null
  /** Outcomes of unanswered writes: a CID, or null for a delete. */
  maybe: Set<string | null>
}

export interface AckedCommit {
  did: string
  cid: string
  rev: string
}

/** The CID the server must give a JSON record (DAG-CBOR of its data model form). */
export function expectedCid(record: unknown): string {
  return cidForData(jsonToData(record)).toString()
}

export class Ledger {
  readonly #records = new Map<string, RecordState>()
  /** Per DID: CIDs of unanswered creates whose key the server would have chosen. */
  readonly #orphans = new Map<string, string[]>()
  readonly commits: AckedCommit[] = []
  ackCount = 0
  unansweredCount = 0

  #state(did: string, uri: string): RecordState {
    let s = this.#records.get(uri)
    if (s === undefined) {
      s = { did, acked: null, maybe: new Set() }
      this.#records.set(uri, s)
    }
    return s
  }

  ack(did: string, uri: string, cid: string | null): void {
    const s = this.#state(did, uri)
    if (s.maybe.size > 0) throw new Error(`${uri} was acknowledged after an unanswered write to it`)
    s.acked = cid
    this.ackCount++
  }

  ackCommit(commit: AckedCommit): void {
    this.commits.push(commit)
  }

  /** A write to `uri` got no answer: it may have happened (`cid`, or null for a delete). */
  unanswered(did: string, uri: string, cid: string | null): void {
    this.#state(did, uri).maybe.add(cid)
    this.unansweredCount++
  }

  /** An unanswered create with a server-chosen key: some unknown URI may hold `cid`. */
  orphan(did: string, cid: string): void {
    const list = this.#orphans.get(did) ?? []
    list.push(cid)
    this.#orphans.set(did, list)
    this.unansweredCount++
  }

  /** Acknowledged-present URIs of `did` with no unanswered write since (safe to write again). */
  settled(did: string): string[] {
    const out: string[] = []
    for (const [uri, s] of this.#records)
      if (s.did === did && s.acked !== null && s.maybe.size === 0) out.push(uri)
    return out
  }

  /**
   * Problems with the server's final records of `did` (uri -> cid): every acknowledged state
   * must be there unless an unanswered write may have replaced it, and nothing may be there that
   * no write (answered or not) could have made.
   */
  check(did: string, actual: Map<string, string>): string[] {
    const problems: string[] = []
    for (const [uri, s] of this.#records) {
      if (s.did !== did) continue
      const got = actual.get(uri) ?? null
      if (got !== s.acked && !s.maybe.has(got)) {
        problems.push(`${uri}: server has ${got ?? 'nothing'}, acknowledged ${s.acked ?? 'nothing'}`)
      }
    }
    const orphans = [...(this.#orphans.get(did) ?? [])]
    for (const [uri, cid] of actual) {
      if (this.#records.has(uri)) continue
      const i = orphans.indexOf(cid)
      if (i === -1) problems.push(`${uri}: ${cid} was never written`)
      else orphans.splice(i, 1)
    }
    return problems
  }
}

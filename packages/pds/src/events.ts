// The `com.atproto.sync.subscribeRepos` messages this PDS emits (sync.md "Repository Event
// Stream"), and their wire frames (event-stream.md "Framing": a DAG-CBOR header
// `{op: 1, t}` followed by the DAG-CBOR payload). Frames are encoded once, when the event is
// sequenced, and stored as they go on the wire.
import { type CID, type DataValue, decodeCborMulti, encodeCbor, isDataObject } from '@welkin/data'
import type { RecordOp } from '@welkin/repo'
import { DatabaseError } from './errors.js'

export type EventType = '#commit' | '#sync' | '#identity' | '#account'

export type AccountStatus =
  | 'takendown'
  | 'suspended'
  | 'deleted'
  | 'deactivated'
  | 'desynchronized'
  | 'throttled'

export interface CommitEventFields {
  repo: string
  commit: CID
  rev: string
  since: string | null
  /** CAR slice: the commit block first root, new blocks and the nodes needed for inversion. */
  blocks: Uint8Array
  ops: readonly RecordOp[]
  prevData: CID | null
}

export interface SyncEventFields {
  did: string
  rev: string
  /** CAR with only the commit block, as its single root. */
  blocks: Uint8Array
}

export interface IdentityEventFields {
  did: string
  handle?: string
}

export interface AccountEventFields {
  did: string
  active: boolean
  status?: AccountStatus
}

const HEADERS = new Map<EventType, Uint8Array>(
  (['#commit', '#sync', '#identity', '#account'] as const).map((t) => [t, encodeCbor({ op: 1, t })]),
)

function opToData(op: RecordOp): DataValue {
  const out: { [k: string]: DataValue } = { action: op.action, path: op.path, cid: op.cid }
  if (op.prev) out.prev = op.prev
  return out
}

/** The payload map of an event, without `seq` and `time` (added when sequenced). */
export type EventBody = { [key: string]: DataValue }

export function commitBody(f: CommitEventFields): EventBody {
  const body: EventBody = {
    repo: f.repo,
    commit: f.commit,
    rev: f.rev,
    since: f.since,
    blocks: f.blocks,
    ops: f.ops.map(opToData),
    // Deprecated but still required by the lexicon: always false / empty (sync.md "#commit").
    rebase: false,
    tooBig: false,
    blobs: [],
  }
  if (f.prevData) body.prevData = f.prevData
  return body
}

export function syncBody(f: SyncEventFields): EventBody {
  return { did: f.did, rev: f.rev, blocks: f.blocks }
}

export function identityBody(f: IdentityEventFields): EventBody {
  const body: EventBody = { did: f.did }
  if (f.handle !== undefined) body.handle = f.handle
  return body
}

export function accountBody(f: AccountEventFields): EventBody {
  const body: EventBody = { did: f.did, active: f.active }
  if (f.status !== undefined) body.status = f.status
  return body
}

/** A complete frame: header, then the payload with its `seq` and `time`. */
export function encodeEventFrame(type: EventType, body: EventBody, seq: number, time: string): Uint8Array {
  const header = HEADERS.get(type)!
  const payload = encodeCbor({ ...body, seq, time })
  const frame = new Uint8Array(header.length + payload.length)
  frame.set(header, 0)
  frame.set(payload, header.length)
  return frame
}

/** Splits a stored frame into its header type and payload (for replays, tests and checks). */
export function decodeEventFrame(frame: Uint8Array): { type: EventType; body: { [key: string]: DataValue } } {
  const parts = decodeCborMulti(frame)
  const [header, body] = parts
  if (parts.length !== 2 || !isDataObject(header) || !isDataObject(body) || header.op !== 1) {
    throw new DatabaseError('stored event frame is not a header and a payload')
  }
  return { type: header.t as EventType, body }
}

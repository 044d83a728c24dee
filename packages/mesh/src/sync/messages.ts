// Frames of the `/welkin/sync/1` protocol, in DAG-CBOR. The initiator sends requests, the
// responder answers each one; every frame is checked against the limits below before use.
//   request  {cmp?: [[prefix, fp]...], get?: [prefix...], put?: batch}
//   response {cmp?: [null | children...], get?: [batch | "later" | "split"...], rej?: n}
// `cmp` asks for the 16 child summaries (0 when empty, else [count, fp]) of each prefix whose
// fingerprint differs from the one sent (null when equal); `get` for the entries under each
// prefix, a batch as @welkin/graph's `encodeUpdates` ("later": over this frame's budget, ask
// again; "split": alone over the budget, compare children instead); `put` carries entries
// the responder lacks, and `rej` counts those it refused.
import { type DataValue, decodeCbor, encodeCbor } from '@welkin/data'
import { SyncError } from '../errors.js'
import { checkPrefix, EMPTY_FP, FANOUT, FP_BYTES, type Summary } from './trie.js'

export const SYNC_PROTOCOL = '/welkin/sync/1'

export const SYNC_LIMITS = Object.freeze({
  /** Largest frame either side accepts. */
  maxFrameBytes: 8 * 2 ** 20,
  /** Most prefixes compared per request. */
  maxCmp: 256,
  /** Most prefixes fetched per request. */
  maxGet: 256,
  /** Most entries in the batches of one frame. */
  maxEntries: 4096,
  /** Most encoded entry bytes in one frame. */
  maxBatchBytes: 2 * 2 ** 20,
})

export type GetResult = Uint8Array | 'later' | 'split'

export interface SyncRequest {
  cmp: [prefix: Uint8Array, fp: Uint8Array][]
  get: Uint8Array[]
  put: Uint8Array | null
}

export interface SyncResponse {
  cmp: (Summary[] | null)[]
  get: GetResult[]
  rejected: number
}

const fail = (what: string): never => {
  throw new SyncError('protocol', `malformed sync frame: ${what}`)
}

function decodeFrame(bytes: Uint8Array): Record<string, DataValue> {
  if (bytes.length > SYNC_LIMITS.maxFrameBytes)
    throw new SyncError('limit', `sync frame of ${bytes.length} bytes`)
  let data: DataValue
  try {
    data = decodeCbor(bytes, { maxDepth: 4, maxBytes: SYNC_LIMITS.maxFrameBytes, maxItems: 4096 })
  } catch (err) {
    throw new SyncError('protocol', `sync frame is not DAG-CBOR: ${(err as Error).message}`, { cause: err })
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data) || data instanceof Uint8Array)
    return fail('not a map')
  return data as Record<string, DataValue>
}

function list(v: DataValue | undefined, max: number, what: string): DataValue[] {
  if (v === undefined) return []
  if (!Array.isArray(v)) return fail(`${what} is not an array`)
  if (v.length > max) throw new SyncError('limit', `${v.length} ${what} items exceed ${max}`)
  return v
}

function fingerprint(v: DataValue): Uint8Array {
  return v instanceof Uint8Array && v.length === FP_BYTES ? v : fail('fingerprint')
}

export function encodeRequest(req: SyncRequest): Uint8Array {
  const out: Record<string, DataValue> = {}
  if (req.cmp.length > 0) out.cmp = req.cmp.map(([p, fp]) => [p, fp])
  if (req.get.length > 0) out.get = req.get
  if (req.put !== null) out.put = req.put
  return encodeCbor(out)
}

export function decodeRequest(bytes: Uint8Array): SyncRequest {
  const m = decodeFrame(bytes)
  for (const k of Object.keys(m)) if (k !== 'cmp' && k !== 'get' && k !== 'put') fail(`field ${k}`)
  const cmp = list(m.cmp, SYNC_LIMITS.maxCmp, 'cmp').map((pair): [Uint8Array, Uint8Array] => {
    if (!Array.isArray(pair) || pair.length !== 2) return fail('cmp entry')
    return [checkPrefix(pair[0]), fingerprint(pair[1])]
  })
  const get = list(m.get, SYNC_LIMITS.maxGet, 'get').map(checkPrefix)
  if (m.put !== undefined && !(m.put instanceof Uint8Array)) fail('put')
  return { cmp, get, put: (m.put as Uint8Array | undefined) ?? null }
}

export function encodeResponse(res: SyncResponse): Uint8Array {
  const out: Record<string, DataValue> = {}
  if (res.cmp.length > 0)
    out.cmp = res.cmp.map((kids) =>
      kids === null ? null : kids.map((s) => (s.count === 0 ? 0 : [s.count, s.fp])),
    )
  if (res.get.length > 0) out.get = res.get
  if (res.rejected > 0) out.rej = res.rejected
  return encodeCbor(out)
}

function summary(v: DataValue): Summary {
  if (v === 0) return { count: 0, fp: EMPTY_FP }
  if (!Array.isArray(v) || v.length !== 2) return fail('child summary')
  const count = v[0]
  if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 1) return fail('child count')
  return { count, fp: fingerprint(v[1]) }
}

export function decodeResponse(bytes: Uint8Array): SyncResponse {
  const m = decodeFrame(bytes)
  for (const k of Object.keys(m)) if (k !== 'cmp' && k !== 'get' && k !== 'rej') fail(`field ${k}`)
  const cmp = list(m.cmp, SYNC_LIMITS.maxCmp, 'cmp').map((kids) => {
    if (kids === null) return null
    if (!Array.isArray(kids) || kids.length !== FANOUT) return fail('children')
    return kids.map(summary)
  })
  const get = list(m.get, SYNC_LIMITS.maxGet, 'get').map((g): GetResult => {
    if (g instanceof Uint8Array || g === 'later' || g === 'split') return g
    return fail('get result')
  })
  const rej = m.rej ?? 0
  if (typeof rej !== 'number' || !Number.isSafeInteger(rej) || rej < 0) fail('rej')
  return { cmp, get, rejected: rej as number }
}

// Reading events back from segment files, for subscribers replaying from a cursor older than
// what the log keeps in memory: find the segment, jump to the nearest index entry, parse forward.
import { readFileSync } from 'node:fs'
import { open } from 'node:fs/promises'
import type { LoggedEvent } from '@welkin/firehose'
import { EventLogError } from '../errors.js'
import { decodeIndex, type IndexEntry, parseRecord } from './record.js'
import { indexPath, type SegmentInfo, segmentPath } from './segment-files.js'

/** A sealed segment's index entries from disk (its trailer dropped). */
export function readIndexFile(dir: string, firstSeq: number, size: number): IndexEntry[] {
  try {
    return decodeIndex(readFileSync(indexPath(dir, firstSeq))).filter((e) => e.offset < size)
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return []
    throw err
  }
}

/** Up to `limit` events after `afterSeq` from `segs` (ascending), reading at most about `maxBytes`. */
export async function readEvents(
  dir: string,
  segs: SegmentInfo[],
  afterSeq: number,
  limit: number,
  maxBytes: number,
  indexOf: (seg: SegmentInfo) => IndexEntry[],
): Promise<LoggedEvent[]> {
  // The first segment holding a seq after `afterSeq`.
  let lo = 0
  let hi = segs.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (segs[mid].lastSeq <= afterSeq) lo = mid + 1
    else hi = mid
  }
  const out: LoggedEvent[] = []
  let bytes = 0
  for (let i = lo; i < segs.length && out.length < limit && bytes < maxBytes; i++) {
    const seg = segs[i]
    try {
      const start = startOffset(indexOf(seg), afterSeq)
      bytes += await readSegment(dir, seg, start, afterSeq, limit, maxBytes - bytes, out)
    } catch (err) {
      // Retention removed the file under us: the caller sees prunedThrough move and reacts.
      if ((err as { code?: string }).code === 'ENOENT') return out
      if (err instanceof EventLogError) throw err
      throw new EventLogError(`reading segment ${seg.firstSeq} failed`, { cause: err })
    }
  }
  return out
}

/** Offset of the last index entry with seq <= afterSeq + 1 (0 without one). */
function startOffset(index: IndexEntry[], afterSeq: number): number {
  let lo = 0
  let hi = index.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (index[mid].seq <= afterSeq + 1) lo = mid + 1
    else hi = mid
  }
  return lo === 0 ? 0 : index[lo - 1].offset
}

/** Appends events with seq > afterSeq from `seg`, starting at `offset`; returns bytes read. */
async function readSegment(
  dir: string,
  seg: SegmentInfo,
  offset: number,
  afterSeq: number,
  limit: number,
  maxBytes: number,
  out: LoggedEvent[],
): Promise<number> {
  const end = seg.size
  const fh = await open(segmentPath(dir, seg.firstSeq), 'r')
  let read = 0
  try {
    let pos = offset
    while (pos < end && out.length < limit && read < maxBytes) {
      const want = Math.min(end - pos, 1024 * 1024)
      let buf = Buffer.allocUnsafe(want)
      let n = (await fh.read(buf, 0, want, pos)).bytesRead
      let rel = 0
      for (;;) {
        const res = parseRecord(buf.subarray(0, n), rel)
        if (res.kind === 'record') {
          rel = res.next
          if (res.record.seq > afterSeq) {
            // Copied: a view would keep the whole read chunk alive in a subscriber's queue.
            out.push({ seq: res.record.seq, frame: new Uint8Array(res.record.frame) })
            if (out.length >= limit) break
          }
          continue
        }
        if (res.kind === 'corrupt')
          throw new EventLogError(`segment ${seg.firstSeq} at ${pos + rel}: ${res.why}`)
        if (rel === 0) {
          // One record larger than the chunk: read it whole.
          if (pos + res.need > end) throw new EventLogError(`segment ${seg.firstSeq} ends inside a record`)
          buf = Buffer.allocUnsafe(res.need)
          n = (await fh.read(buf, 0, res.need, pos)).bytesRead
          continue
        }
        break
      }
      pos += rel
      read += rel
      if (rel === 0) break
    }
  } finally {
    await fh.close()
  }
  return read
}

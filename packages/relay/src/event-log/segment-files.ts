// Segment files on disk: `<firstSeq>.seg` holds records, `<firstSeq>.idx` a sparse index into
// it. Recovery reads a segment's index; a sealed segment ends with a trailer entry, so opening
// it costs one small read. Without a trailer (the tail segment, or a crash while sealing) the
// records after the last index entry are scanned, and a torn or corrupt tail is cut off.
import {
  closeSync,
  ftruncateSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  statSync,
  writeSync,
} from 'node:fs'
import { join } from 'node:path'
import { EventLogError } from '../errors.js'
import {
  decodeIndex,
  encodeIndexEntry,
  INDEX_ENTRY_BYTES,
  INDEX_SPACING,
  type IndexEntry,
  parseRecord,
} from './record.js'

export interface SegmentInfo {
  firstSeq: number
  lastSeq: number
  firstTime: number
  lastTime: number
  /** Bytes of valid records. */
  size: number
  /** Index entries (trailer excluded), in seq order. */
  index: IndexEntry[]
}

const NAME = /^(\d{16})\.seg$/

export function segmentPath(dir: string, firstSeq: number): string {
  return join(dir, `${String(firstSeq).padStart(16, '0')}.seg`)
}

export function indexPath(dir: string, firstSeq: number): string {
  return join(dir, `${String(firstSeq).padStart(16, '0')}.idx`)
}

/** First seqs of the segments in `dir`, ascending. */
export function listSegments(dir: string): number[] {
  return readdirSync(dir)
    .map((f) => NAME.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b)
}

function readIndex(dir: string, firstSeq: number): IndexEntry[] {
  try {
    return decodeIndex(readFileSync(indexPath(dir, firstSeq)))
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return []
    throw err
  }
}

export interface ScanReport {
  /** Bytes cut from the end of the segment (a torn or corrupt tail). */
  truncatedBytes: number
  why?: string
}

/**
 * Opens a segment for recovery: its summary, with the file (and index) truncated to the last
 * valid record. Returns null when it holds no valid record.
 */
export function recoverSegment(
  dir: string,
  firstSeq: number,
): { info: SegmentInfo; report: ScanReport } | null {
  const path = segmentPath(dir, firstSeq)
  const fileSize = statSync(path).size
  let index = readIndex(dir, firstSeq)
  const trailer = index.length >= 2 ? index[index.length - 1] : undefined
  if (trailer && trailer.offset === fileSize) {
    const entries = index.slice(0, -1)
    return {
      info: {
        firstSeq,
        lastSeq: trailer.seq,
        firstTime: entries[0].time,
        lastTime: trailer.time,
        size: fileSize,
        index: entries,
      },
      report: { truncatedBytes: 0 },
    }
  }
  // Keep the index entries that point inside the file, and scan from the last of them; when
  // that record is itself damaged, step back one entry, so the last good record is found.
  index = index.filter((e) => e.offset < fileSize)
  const fd = openSync(path, 'r+')
  try {
    let scan: ScanResult
    for (;;) {
      const start = index.length > 0 ? index[index.length - 1].offset : 0
      scan = scanFrom(fd, start, fileSize, index)
      if (scan.lastSeq > 0 || index.length === 0) break
      index = index.slice(0, -1)
    }
    if (scan.validEnd < fileSize) ftruncateSync(fd, scan.validEnd)
    rewriteIndexIfNeeded(dir, firstSeq, scan.index)
    if (scan.index.length === 0) return null
    return {
      info: {
        firstSeq,
        lastSeq: scan.lastSeq,
        firstTime: scan.index[0].time,
        lastTime: scan.lastTime,
        size: scan.validEnd,
        index: scan.index,
      },
      report: { truncatedBytes: fileSize - scan.validEnd, why: scan.why },
    }
  } finally {
    closeSync(fd)
  }
}

interface ScanResult {
  validEnd: number
  lastSeq: number
  lastTime: number
  index: IndexEntry[]
  why?: string
}

function scanFrom(fd: number, start: number, fileSize: number, known: IndexEntry[]): ScanResult {
  const index = known.slice()
  let lastIndexed = index.length > 0 ? index[index.length - 1].offset : Number.NEGATIVE_INFINITY
  let offset = start
  let lastSeq = 0
  let lastTime = 0
  let buf = Buffer.allocUnsafe(1024 * 1024)
  let bufStart = offset
  let bufLen = 0
  let why: string | undefined
  for (;;) {
    const res = parseRecord(buf.subarray(0, bufLen), offset - bufStart)
    if (res.kind === 'record') {
      const { seq, time } = res.record
      if (seq <= lastSeq) {
        why = `seq ${seq} after ${lastSeq}`
        break
      }
      if (index.length === 0 || (offset > lastIndexed && offset - lastIndexed >= INDEX_SPACING)) {
        index.push({ seq, offset, time })
        lastIndexed = offset
      }
      lastSeq = seq
      lastTime = time
      offset = bufStart + res.next
      continue
    }
    if (res.kind === 'corrupt') {
      why = res.why
      break
    }
    // Short: refill from `offset`, large enough for the record.
    if (offset >= fileSize) break
    if (buf.length < res.need) buf = Buffer.allocUnsafe(res.need)
    bufLen = readSync(fd, buf, 0, Math.min(buf.length, fileSize - offset), offset)
    bufStart = offset
    if (bufLen < res.need) {
      why = 'torn record at the end'
      break
    }
  }
  // Index entries at or past the valid end (a damaged record that had been indexed) go.
  return { validEnd: offset, lastSeq, lastTime, index: index.filter((e) => e.offset < offset), why }
}

/** Makes the index file hold exactly `entries` (dropping entries past a cut, or a torn one). */
function rewriteIndexIfNeeded(dir: string, firstSeq: number, entries: IndexEntry[]): void {
  const path = indexPath(dir, firstSeq)
  let onDisk: IndexEntry[] = []
  try {
    onDisk = decodeIndex(readFileSync(path))
  } catch {}
  const same =
    onDisk.length === entries.length &&
    onDisk.every((e, i) => e.offset === entries[i].offset && e.seq === entries[i].seq) &&
    statSizeOr0(path) === entries.length * INDEX_ENTRY_BYTES
  if (same) return
  const fd = openSync(path, 'w')
  try {
    writeAll(fd, Buffer.concat(entries.map(encodeIndexEntry)))
  } finally {
    closeSync(fd)
  }
}

function statSizeOr0(path: string): number {
  try {
    return statSync(path).size
  } catch {
    return 0
  }
}

export function writeAll(fd: number, bytes: Uint8Array, position?: number): void {
  let written = 0
  while (written < bytes.length) {
    const n = writeSync(
      fd,
      bytes,
      written,
      bytes.length - written,
      position === undefined ? null : position + written,
    )
    if (n <= 0) throw new EventLogError('a write to the event log made no progress')
    written += n
  }
}

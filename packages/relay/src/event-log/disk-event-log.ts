// The relay's output log: an append-only sequence of segment files holding every frame with
// the relay's seq, retained for a window of time and served to subscribers from a cursor.
//
// Durability: appends are copied into a write buffer that goes to the file once per event-loop
// turn (one write syscall for the batch) or when it fills. `sync()` writes what is buffered and
// fdatasyncs the tail segment and its index; the relay calls it on its flush interval, before it
// commits account state and host cursors, so a crash never leaves state ahead of the log. What
// was appended after the last sync can be lost on a machine crash (not on a process crash: the
// page cache survives that); the upstream cursors were not advanced past it, so those events
// are fetched again. A torn or corrupt record at the end is cut off when the log is reopened.
//
// Retention drops whole segments: a segment goes once its newest event is older than the window.
// Reads of recent events are served from an in-memory tail; older ones from the files.
import {
  closeSync,
  existsSync,
  fdatasync,
  fdatasyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { type EventLog, type LoggedEvent, MemoryEventLog } from '@welkin/firehose'
import { EventLogError } from '../errors.js'
import type { RelayLogger } from '../logger.js'
import { Lru } from '../util/lru.js'
import {
  encodeIndexEntry,
  INDEX_SPACING,
  type IndexEntry,
  RECORD_HEADER_BYTES,
  writeRecord,
} from './record.js'
import {
  indexPath,
  listSegments,
  recoverSegment,
  type SegmentInfo,
  segmentPath,
  writeAll,
} from './segment-files.js'
import { readEvents, readIndexFile } from './segment-reader.js'

export interface DiskEventLogOptions {
  /** Seal the tail segment past this many bytes (default 64 MiB). */
  segmentBytes?: number
  /** ...or once its first event is this old (default 1 h). */
  segmentMaxAgeMs?: number
  /** Events older than this are dropped, a whole segment at a time (default 72 h). */
  retentionMs?: number
  /** Recent events served from memory (default 20,000 events or 64 MiB). */
  tailEvents?: number
  tailBytes?: number
  /** Largest read from the files per call, in bytes (default 8 MiB). */
  maxReadBytes?: number
  now?: () => number
  logger?: RelayLogger
}

interface Tail {
  info: SegmentInfo
  fd: number
  indexFd: number
  lastIndexed: number
}

const WRITE_BUFFER_BYTES = 4 * 1024 * 1024
const PRUNED_FILE = 'PRUNED'

export class DiskEventLog implements EventLog {
  private readonly sealed: SegmentInfo[] = []
  private tail: Tail | undefined
  private lastSeq: number | undefined
  private pruned: number | undefined
  private buffer = Buffer.allocUnsafe(WRITE_BUFFER_BYTES)
  private buffered = 0
  private pendingIndex: Buffer[] = []
  private flushScheduled = false
  private closed = false
  private syncsInFlight = 0
  private deferredClose: number[] = []
  private readonly recent: MemoryEventLog
  private readonly indexCache = new Lru<number, IndexEntry[]>(32)
  private readonly segmentBytes: number
  private readonly segmentMaxAgeMs: number
  private readonly retentionMs: number
  private readonly maxReadBytes: number
  private readonly now: () => number

  private constructor(
    readonly dir: string,
    opts: DiskEventLogOptions,
  ) {
    this.segmentBytes = opts.segmentBytes ?? 64 * 1024 * 1024
    this.segmentMaxAgeMs = opts.segmentMaxAgeMs ?? 3_600_000
    this.retentionMs = opts.retentionMs ?? 72 * 3_600_000
    this.maxReadBytes = opts.maxReadBytes ?? 8 * 1024 * 1024
    this.now = opts.now ?? Date.now
    this.recent = new MemoryEventLog({
      maxEvents: opts.tailEvents ?? 20_000,
      maxBytes: opts.tailBytes ?? 64 * 1024 * 1024,
    })
  }

  /** Opens (creating) the log in `dir`, recovering the segments found there. */
  static open(dir: string, opts: DiskEventLogOptions = {}): DiskEventLog {
    mkdirSync(dir, { recursive: true })
    const log = new DiskEventLog(dir, opts)
    log.recover(opts.logger)
    return log
  }

  private recover(logger?: RelayLogger): void {
    const prunedPath = join(this.dir, PRUNED_FILE)
    if (existsSync(prunedPath)) {
      const n = Number(readFileSync(prunedPath, 'utf8').trim())
      if (Number.isSafeInteger(n) && n > 0) this.pruned = n
    }
    const firsts = listSegments(this.dir)
    for (let i = 0; i < firsts.length; i++) {
      const got = recoverSegment(this.dir, firsts[i])
      if (!got) {
        rmSync(segmentPath(this.dir, firsts[i]), { force: true })
        rmSync(indexPath(this.dir, firsts[i]), { force: true })
        continue
      }
      if (got.report.truncatedBytes > 0) {
        logger?.log('warn', 'event log: cut a damaged tail off a segment', {
          segment: firsts[i],
          bytes: got.report.truncatedBytes,
          why: got.report.why,
        })
      }
      const prev = this.sealed[this.sealed.length - 1]
      if (prev && got.info.firstSeq <= prev.lastSeq) {
        throw new EventLogError(`segment ${firsts[i]} overlaps the one before it (ends at ${prev.lastSeq})`)
      }
      this.sealed.push(got.info)
    }
    // The newest segment becomes the tail again; appends continue in it.
    const last = this.sealed.pop()
    for (const seg of this.sealed) seg.index = []
    if (last) {
      this.lastSeq = last.lastSeq
      this.tail = this.openTail(last)
    }
  }

  private openTail(info: SegmentInfo): Tail {
    const fd = openSync(segmentPath(this.dir, info.firstSeq), 'a')
    const indexFd = openSync(indexPath(this.dir, info.firstSeq), 'a')
    const lastIndexed = info.index.length > 0 ? info.index[info.index.length - 1].offset : -Infinity
    return { info, fd, indexFd, lastIndexed }
  }

  // --- EventLog ------------------------------------------------------------------------------

  head(): number | undefined {
    return this.lastSeq
  }

  oldest(): number | undefined {
    return this.sealed[0]?.firstSeq ?? this.tail?.info.firstSeq
  }

  prunedThrough(): number | undefined {
    return this.pruned
  }

  read(afterSeq: number, limit: number): LoggedEvent[] | Promise<LoggedEvent[]> {
    const recentOldest = this.recent.oldest()
    if (recentOldest !== undefined && afterSeq >= recentOldest - 1) return this.recent.read(afterSeq, limit)
    if (this.lastSeq === undefined || afterSeq >= this.lastSeq) return []
    return this.readFiles(afterSeq, limit)
  }

  // --- writing -------------------------------------------------------------------------------

  /** Appends one event; seqs must strictly increase. Durable after the next sync(). */
  append(seq: number, frame: Uint8Array, time = this.now()): void {
    if (this.closed) throw new EventLogError('append after close')
    if (!Number.isSafeInteger(seq) || seq < 1) throw new EventLogError(`seq ${seq} is not a positive integer`)
    if (this.lastSeq !== undefined && seq <= this.lastSeq)
      throw new EventLogError(`seq ${seq} appended after ${this.lastSeq}`)
    const size = RECORD_HEADER_BYTES + frame.length
    let tail = this.tail
    if (
      tail &&
      (tail.info.size + size > this.segmentBytes || time - tail.info.firstTime > this.segmentMaxAgeMs)
    ) {
      this.seal()
      tail = undefined
    }
    if (!tail) {
      tail = this.openTail({
        firstSeq: seq,
        lastSeq: seq,
        firstTime: time,
        lastTime: time,
        size: 0,
        index: [],
      })
      this.tail = tail
    }
    const offset = tail.info.size
    if (offset === 0 || offset - tail.lastIndexed >= INDEX_SPACING) {
      const entry = { seq, offset, time }
      tail.info.index.push(entry)
      this.pendingIndex.push(encodeIndexEntry(entry))
      tail.lastIndexed = offset
    }
    if (this.buffered + size > this.buffer.length) this.flushWrites()
    if (size > this.buffer.length) {
      const one = Buffer.allocUnsafe(size)
      writeRecord(one, 0, seq, time, frame)
      writeAll(tail.fd, one)
    } else {
      this.buffered = writeRecord(this.buffer, this.buffered, seq, time, frame)
    }
    tail.info.size += size
    tail.info.lastSeq = seq
    tail.info.lastTime = time
    this.lastSeq = seq
    this.recent.append(seq, frame)
    if (!this.flushScheduled) {
      this.flushScheduled = true
      setImmediate(() => {
        this.flushScheduled = false
        if (!this.closed) this.flushWrites()
      })
    }
  }

  /** Writes the buffered records (no fsync). */
  flushWrites(): void {
    const tail = this.tail
    if (!tail) return
    if (this.buffered > 0) {
      writeAll(tail.fd, this.buffer.subarray(0, this.buffered))
      this.buffered = 0
    }
    if (this.pendingIndex.length > 0) {
      writeAll(tail.indexFd, Buffer.concat(this.pendingIndex))
      this.pendingIndex = []
    }
  }

  /** Makes every appended event durable: write, then fdatasync segment and index. */
  sync(): void {
    if (this.closed || !this.tail) return
    this.flushWrites()
    fdatasyncSync(this.tail.fd)
    fdatasyncSync(this.tail.indexFd)
  }

  /**
   * sync() with the fdatasync on the libuv thread pool, so the event loop keeps running. Covers
   * every event appended before the call (a segment sealed meanwhile was synced when sealed).
   */
  async syncAsync(): Promise<void> {
    if (this.closed || !this.tail) return
    this.flushWrites()
    const { fd, indexFd } = this.tail
    this.syncsInFlight++
    try {
      await Promise.all([fdatasyncAsync(fd), fdatasyncAsync(indexFd)])
    } finally {
      if (--this.syncsInFlight === 0) {
        for (const f of this.deferredClose.splice(0)) closeSync(f)
      }
    }
  }

  private seal(): void {
    const tail = this.tail
    if (!tail) return
    this.flushWrites()
    const { lastSeq, lastTime, size } = tail.info
    writeAll(tail.indexFd, encodeIndexEntry({ seq: lastSeq, offset: size, time: lastTime }))
    fdatasyncSync(tail.fd)
    fdatasyncSync(tail.indexFd)
    // An fdatasync may still be running on these descriptors; closing them now could let the
    // numbers be reused under it.
    if (this.syncsInFlight > 0) this.deferredClose.push(tail.fd, tail.indexFd)
    else {
      closeSync(tail.fd)
      closeSync(tail.indexFd)
    }
    tail.info.index = []
    this.sealed.push(tail.info)
    this.tail = undefined
  }

  /** Drops sealed segments whose newest event is older than the retention window. */
  prune(now = this.now()): number {
    let dropped = 0
    while (this.sealed.length > 0 && now - this.sealed[0].lastTime > this.retentionMs) {
      const seg = this.sealed[0]
      // Record the boundary first: a reader racing with the removal is then known to be cut.
      this.pruned = seg.lastSeq
      writeFileAtomic(join(this.dir, PRUNED_FILE), String(seg.lastSeq))
      this.sealed.shift()
      this.indexCache.delete(seg.firstSeq)
      rmSync(segmentPath(this.dir, seg.firstSeq), { force: true })
      rmSync(indexPath(this.dir, seg.firstSeq), { force: true })
      dropped++
    }
    return dropped
  }

  get stats(): { segments: number; bytes: number; recentEvents: number } {
    let bytes = this.tail?.info.size ?? 0
    for (const s of this.sealed) bytes += s.size
    return { segments: this.sealed.length + (this.tail ? 1 : 0), bytes, recentEvents: this.recent.size }
  }

  close(): void {
    if (this.closed) return
    this.sync()
    this.closed = true
    for (const f of this.deferredClose.splice(0)) closeSync(f)
    if (this.tail) {
      closeSync(this.tail.fd)
      closeSync(this.tail.indexFd)
      this.tail = undefined
    }
  }

  // --- reading from the files ------------------------------------------------------------------

  private async readFiles(afterSeq: number, limit: number): Promise<LoggedEvent[]> {
    this.flushWrites()
    const segs = this.tail ? [...this.sealed, this.tail.info] : this.sealed
    return readEvents(this.dir, segs, afterSeq, limit, this.maxReadBytes, (seg) => this.indexOf(seg))
  }

  /**
   * A segment's index. Sealed segments keep theirs on disk (at network scale a whole window of
   * indexes would not fit in memory); the ones read recently are cached.
   */
  private indexOf(seg: SegmentInfo): IndexEntry[] {
    if (seg.index.length > 0) return seg.index
    const cached = this.indexCache.get(seg.firstSeq)
    if (cached) return cached
    const index = readIndexFile(this.dir, seg.firstSeq, seg.size)
    this.indexCache.set(seg.firstSeq, index)
    return index
  }
}

const fdatasyncAsync = promisify(fdatasync)

function writeFileAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp`
  writeFileSync(tmp, text)
  renameSync(tmp, path)
}

import {
  appendFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { EventFanout } from '@welkin/firehose'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { DiskEventLog } from './disk-event-log.js'
import { RECORD_HEADER_BYTES } from './record.js'

const dirs: string[] = []
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'welkin-relay-log-'))
  dirs.push(d)
  return d
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

function frame(seq: number, size = 100): Uint8Array {
  const b = new Uint8Array(size)
  for (let i = 0; i < size; i++) b[i] = (seq * 31 + i) & 0xff
  return b
}

async function readAll(log: DiskEventLog, after = 0): Promise<number[]> {
  const out: number[] = []
  let cursor = after
  for (;;) {
    const batch = await log.read(cursor, 37)
    if (batch.length === 0) return out
    for (const e of batch) {
      expect(e.frame).toEqual(frame(e.seq, e.frame.length))
      out.push(e.seq)
    }
    cursor = batch[batch.length - 1].seq
  }
}

describe('DiskEventLog', () => {
  it('reads back appends across segments, from memory and from the files', async () => {
    const dir = tmp()
    const log = DiskEventLog.open(dir, { segmentBytes: 4000, tailEvents: 10 })
    for (let s = 1; s <= 200; s++) log.append(s * 2, frame(s * 2))
    expect(log.stats.segments).toBeGreaterThan(5)
    expect(log.head()).toBe(400)
    expect(log.oldest()).toBe(2)
    expect(await readAll(log)).toEqual(Array.from({ length: 200 }, (_, i) => (i + 1) * 2))
    // A cursor between seqs (gaps are allowed) and one in the middle of a segment.
    expect((await log.read(151, 3)).map((e) => e.seq)).toEqual([152, 154, 156])
    expect((await log.read(399, 5)).map((e) => e.seq)).toEqual([400])
    expect(await log.read(400, 5)).toEqual([])
    log.close()
  })

  it('reopens where it left off and keeps appending', async () => {
    const dir = tmp()
    let log = DiskEventLog.open(dir, { segmentBytes: 3000 })
    for (let s = 1; s <= 50; s++) log.append(s, frame(s))
    log.close()
    log = DiskEventLog.open(dir, { segmentBytes: 3000 })
    expect(log.head()).toBe(50)
    expect(() => log.append(50, frame(50))).toThrow(/after 50/)
    for (let s = 51; s <= 60; s++) log.append(s, frame(s))
    expect(await readAll(log)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1))
    log.close()
  })

  it('cuts a torn last record and a corrupt one on recovery', async () => {
    const dir = tmp()
    let log = DiskEventLog.open(dir, { segmentBytes: 1 << 20 })
    for (let s = 1; s <= 20; s++) log.append(s, frame(s))
    log.close()
    const seg = join(dir, readdirSync(dir).find((f) => f.endsWith('.seg'))!)
    // A torn write: half a record header at the end.
    appendFileSync(seg, Buffer.alloc(RECORD_HEADER_BYTES / 2, 7))
    log = DiskEventLog.open(dir)
    expect(log.head()).toBe(20)
    log.close()
    // A record whose bytes were damaged in the middle of the file: it and what follows go.
    const bytes = readFileSync(seg)
    const recordSize = RECORD_HEADER_BYTES + 100
    bytes[recordSize * 15 + RECORD_HEADER_BYTES + 3] ^= 0xff
    writeFileSync(seg, bytes)
    log = DiskEventLog.open(dir)
    expect(log.head()).toBe(15)
    expect(statSync(seg).size).toBe(recordSize * 15)
    expect(await readAll(log)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1))
    log.append(16, frame(16))
    log.close()
  })

  it('survives a crash at any byte of the tail (property)', async () => {
    const dir = tmp()
    const log = DiskEventLog.open(dir, { segmentBytes: 1 << 20 })
    for (let s = 1; s <= 12; s++) log.append(s, frame(s, 10 + s * 7))
    log.close()
    const seg = join(dir, readdirSync(dir).find((f) => f.endsWith('.seg'))!)
    const whole = readFileSync(seg)
    const ends: number[] = []
    let o = 0
    for (let s = 1; s <= 12; s++) {
      o += RECORD_HEADER_BYTES + 10 + s * 7
      ends.push(o)
    }
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: whole.length }), async (cut) => {
        writeFileSync(seg, whole.subarray(0, cut))
        const reopened = DiskEventLog.open(dir)
        const complete = ends.filter((e) => e <= cut).length
        expect(reopened.head()).toBe(complete === 0 ? undefined : complete)
        expect(await readAll(reopened)).toEqual(Array.from({ length: complete }, (_, i) => i + 1))
        reopened.close()
        if (complete === 0) writeFileSync(seg, whole)
      }),
      { numRuns: 60 },
    )
  })

  it('drops whole segments past the retention window and reports prunedThrough', async () => {
    const dir = tmp()
    let now = 1_000_000
    const log = DiskEventLog.open(dir, {
      segmentBytes: 1 << 20,
      segmentMaxAgeMs: 1000,
      retentionMs: 5000,
      tailEvents: 5,
      now: () => now,
    })
    for (let s = 1; s <= 100; s++) {
      log.append(s, frame(s))
      now += 100 // 10 events per segment
    }
    expect(log.prune(now)).toBeGreaterThan(0)
    const pruned = log.prunedThrough()!
    expect(pruned).toBeGreaterThanOrEqual(40)
    expect(log.oldest()).toBe(pruned + 1)
    expect(await readAll(log)).toEqual(Array.from({ length: 100 - pruned }, (_, i) => pruned + 1 + i))
    log.close()
    const reopened = DiskEventLog.open(dir)
    expect(reopened.prunedThrough()).toBe(pruned)
    reopened.close()
  })

  it('keeps the index consistent when an index file is lost', async () => {
    const dir = tmp()
    let log = DiskEventLog.open(dir, { segmentBytes: 600_000 })
    for (let s = 1; s <= 3000; s++) log.append(s, frame(s, 1000))
    log.close()
    for (const f of readdirSync(dir).filter((f) => f.endsWith('.idx'))) rmSync(join(dir, f))
    log = DiskEventLog.open(dir)
    expect(log.head()).toBe(3000)
    expect((await log.read(2500, 2)).map((e) => e.seq)).toEqual([2501, 2502])
    log.close()
  })

  it('truncates a damaged index trailer instead of trusting it', async () => {
    const dir = tmp()
    let log = DiskEventLog.open(dir, { segmentBytes: 3000 })
    for (let s = 1; s <= 40; s++) log.append(s, frame(s))
    log.close()
    const seg = readdirSync(dir).filter((f) => f.endsWith('.seg'))[0]
    truncateSync(join(dir, seg), statSync(join(dir, seg)).size - 10)
    log = DiskEventLog.open(dir)
    const seqs = await readAll(log)
    expect(seqs[seqs.length - 1]).toBe(40)
    expect(seqs.length).toBe(39) // the cut record of the first segment is gone, nothing else
    log.close()
  })

  it('serves an EventFanout replay from the files, then live', async () => {
    const dir = tmp()
    const log = DiskEventLog.open(dir, { segmentBytes: 5000, tailEvents: 3 })
    const fanout = new EventFanout(log, { replayBatch: 16 })
    for (let s = 1; s <= 100; s++) {
      log.append(s, frame(s))
      fanout.publish(s, frame(s))
    }
    const sub = fanout.subscribe({ cursor: 10 })
    const got: number[] = []
    const reading = (async () => {
      for await (const f of sub) {
        got.push(f[0])
        if (got.length === 100) break
      }
    })()
    await new Promise((r) => setTimeout(r, 20))
    for (let s = 101; s <= 110; s++) {
      log.append(s, frame(s))
      fanout.publish(s, frame(s))
    }
    await reading
    expect(got).toEqual(Array.from({ length: 100 }, (_, i) => frame(i + 11)[0]))
    fanout.close()
    log.close()
  })
})

// The messages between the pool and its workers: a whole batch of jobs (or results) encoded in
// one ArrayBuffer, which is transferred, not cloned. Structured cloning of the equivalent
// objects cost several microseconds per commit on each side; this costs a copy of the bytes.
import { VerifierError } from '../errors.js'
import type { CommitJob, SyncJob, VerifyJob, VerifyResult } from './types.js'

const ACTIONS = ['create', 'update', 'delete']

class Writer {
  buf: Buffer
  o = 0

  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size)
  }

  private room(n: number): void {
    if (this.o + n <= this.buf.length) return
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.o + n))
    this.buf.copy(next, 0, 0, this.o)
    this.buf = next
  }

  u8(v: number): void {
    this.room(1)
    this.buf[this.o++] = v
  }

  u32(v: number): void {
    this.room(4)
    this.buf.writeUInt32LE(v, this.o)
    this.o += 4
  }

  /** UTF-8 text, at most 65,535 bytes (every string field here is far shorter). */
  str(s: string): void {
    const n = Buffer.byteLength(s)
    if (n > 0xffff) throw new VerifierError(`string field of ${n} bytes is too long to pass to a worker`)
    this.room(2 + n)
    this.buf.writeUInt16LE(n, this.o)
    this.buf.write(s, this.o + 2, n, 'utf8')
    this.o += 2 + n
  }

  optStr(s: string | null): void {
    if (s === null) this.u8(0)
    else {
      this.u8(1)
      this.str(s)
    }
  }

  /** A binary string (a CID, util/bin.ts), or null. */
  bin(s: string | null): void {
    if (s === null) {
      this.u8(0xff)
      return
    }
    if (s.length >= 0xff) throw new VerifierError('binary field too long')
    this.room(1 + s.length)
    this.buf[this.o] = s.length
    this.buf.write(s, this.o + 1, s.length, 'latin1')
    this.o += 1 + s.length
  }

  bytes(b: Uint8Array): void {
    this.u32(b.length)
    this.room(b.length)
    this.buf.set(b, this.o)
    this.o += b.length
  }

  /** The encoded bytes in an ArrayBuffer of their own, ready to transfer. */
  finish(): ArrayBuffer {
    const out = new ArrayBuffer(this.o)
    new Uint8Array(out).set(this.buf.subarray(0, this.o))
    return out
  }
}

class Reader {
  private readonly buf: Buffer
  private o = 0

  constructor(private readonly ab: ArrayBuffer) {
    this.buf = Buffer.from(ab)
  }

  get done(): boolean {
    return this.o >= this.buf.length
  }

  u8(): number {
    return this.buf[this.o++]
  }

  u32(): number {
    const v = this.buf.readUInt32LE(this.o)
    this.o += 4
    return v
  }

  str(): string {
    const n = this.buf.readUInt16LE(this.o)
    const s = this.buf.toString('utf8', this.o + 2, this.o + 2 + n)
    this.o += 2 + n
    return s
  }

  optStr(): string | null {
    return this.u8() === 0 ? null : this.str()
  }

  bin(): string | null {
    const n = this.buf[this.o++]
    if (n === 0xff) return null
    const s = this.buf.toString('latin1', this.o, this.o + n)
    this.o += n
    return s
  }

  /** A view into the batch buffer. */
  bytes(): Uint8Array {
    const n = this.u32()
    const v = new Uint8Array(this.ab, this.o, n)
    this.o += n
    return v
  }
}

export function encodeJobs(jobs: VerifyJob[]): ArrayBuffer {
  let size = 64
  for (const j of jobs) size += j.blocks.length + 256
  const w = new Writer(size)
  for (const j of jobs) {
    w.u32(j.id)
    w.str(j.key)
    if (j.kind === 'commit') {
      w.u8(0)
      w.u8(j.emit === 'sync' ? 1 : 0)
      w.u8(j.allowMissingPrevData ? 1 : 0)
      w.str(j.repo)
      w.str(j.rev)
      w.optStr(j.since)
      w.bin(j.commit)
      w.bytes(j.blocks)
      w.u32(j.ops.length)
      for (const op of j.ops) {
        const a = ACTIONS.indexOf(op.action)
        if (a < 0) throw new VerifierError(`unknown op action ${op.action}`)
        w.u8(a)
        w.str(op.path)
        w.bin(op.cid)
        w.bin(op.prev)
      }
      w.bin(j.prevData)
      w.str(j.time)
    } else {
      w.u8(1)
      w.str(j.did)
      w.str(j.rev)
      w.bytes(j.blocks)
      w.str(j.time)
    }
  }
  return w.finish()
}

export function decodeJobs(buf: ArrayBuffer): VerifyJob[] {
  const r = new Reader(buf)
  const out: VerifyJob[] = []
  while (!r.done) {
    const id = r.u32()
    const key = r.str()
    if (r.u8() === 0) {
      const emit = r.u8() === 1 ? 'sync' : 'commit'
      const allowMissingPrevData = r.u8() === 1
      const repo = r.str()
      const rev = r.str()
      const since = r.optStr()
      const commit = r.bin()!
      const blocks = r.bytes()
      const n = r.u32()
      const ops: CommitJob['ops'] = new Array(n)
      for (let i = 0; i < n; i++)
        ops[i] = { action: ACTIONS[r.u8()], path: r.str(), cid: r.bin(), prev: r.bin() }
      const prevData = r.bin()
      const time = r.str()
      out.push({
        kind: 'commit',
        id,
        key,
        emit,
        allowMissingPrevData,
        repo,
        rev,
        since,
        commit,
        blocks,
        ops,
        prevData,
        time,
      })
    } else {
      const job: SyncJob = {
        kind: 'sync',
        id,
        key,
        did: r.str(),
        rev: r.str(),
        blocks: r.bytes(),
        time: r.str(),
      }
      out.push(job)
    }
  }
  return out
}

export function encodeResults(results: VerifyResult[]): ArrayBuffer {
  let size = 64
  for (const r of results) size += (r.ok ? r.frame.length : 0) + 256
  const w = new Writer(size)
  for (const r of results) {
    w.u32(r.id)
    if (r.ok) {
      w.u8(1)
      w.u32(r.seqOffset)
      w.bytes(r.frame)
      w.str(r.rev)
      w.bin(r.head)
      w.bin(r.data)
      w.u32(r.collections.length)
      for (const c of r.collections) w.str(c)
    } else {
      w.u8(0)
      w.str(r.reason)
      w.str(r.message.length > 2000 ? `${r.message.slice(0, 2000)}…` : r.message)
    }
  }
  return w.finish()
}

/** Frames come back as views into the batch buffer (the sequencer copies them when splicing). */
export function decodeResults(buf: ArrayBuffer): VerifyResult[] {
  const r = new Reader(buf)
  const out: VerifyResult[] = []
  while (!r.done) {
    const id = r.u32()
    if (r.u8() === 1) {
      const seqOffset = r.u32()
      const frame = r.bytes()
      const rev = r.str()
      const head = r.bin()!
      const data = r.bin()!
      const n = r.u32()
      const collections: string[] = new Array(n)
      for (let i = 0; i < n; i++) collections[i] = r.str()
      out.push({ id, ok: true, frame, seqOffset, rev, head, data, collections })
    } else {
      out.push({ id, ok: false, reason: r.str(), message: r.str() })
    }
  }
  return out
}

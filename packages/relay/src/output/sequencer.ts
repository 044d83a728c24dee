// The output stage: gives each accepted event the relay's next seq, appends it to the disk log,
// then publishes the same bytes to every subscriber (persist before publish, as the fan-out's
// replay/live switch requires).
//
// Seqs are never reused (event-stream.md "Sequence Numbers"), even after a machine crash that
// loses the log's unsynced tail: seqs are handed out from a reservation recorded durably ahead
// of use, and a restart continues past the reservation, leaving a gap rather than repeating a
// seq a subscriber may have seen.
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { type EventFanout, encodeRepoMessage, type RepoMessage } from '@welkin/firehose'
import type { DiskEventLog } from '../event-log/disk-event-log.js'
import type { RelayCounters } from '../metrics.js'
import { spliceSeq } from '../verify/seq-splice.js'

const RESERVATION_FILE = 'SEQ_RESERVED'
const RESERVE_STEP = 100_000

export class Sequencer {
  private next: number
  private reservedThrough: number
  private readonly reservationPath: string

  constructor(
    private readonly log: DiskEventLog,
    private readonly fanout: EventFanout,
    private readonly counters?: RelayCounters,
    private readonly now: () => number = Date.now,
  ) {
    this.reservationPath = join(log.dir, RESERVATION_FILE)
    const reserved = readReservation(this.reservationPath)
    this.next = Math.max(log.head() ?? 0, reserved) + 1
    this.reservedThrough = this.next - 1
  }

  /** The last seq handed out. */
  get head(): number {
    return this.next - 1
  }

  /**
   * Sequences a frame encoded with a `seq: 0` placeholder at `seqOffset`. `host` is the upstream
   * host it came from (counted per host), or '' for an event the relay makes itself.
   */
  publishSpliced(type: string, frame: Uint8Array, seqOffset: number, host = ''): number {
    const seq = this.take()
    this.emit(type, host, seq, spliceSeq(frame, seqOffset, seq))
    return seq
  }

  /** Sequences a small message (#identity, #account) encoded here. */
  publishMessage(message: RepoMessage, host = ''): number {
    const seq = this.take()
    ;(message.body as { seq: number }).seq = seq
    this.emit(message.t, host, seq, encodeRepoMessage(message))
    return seq
  }

  /** Records the exact head as the reservation: a clean restart then continues without a gap. */
  close(): void {
    writeReservation(this.reservationPath, this.next - 1)
  }

  private take(): number {
    const seq = this.next
    if (seq > this.reservedThrough) {
      this.reservedThrough = seq + RESERVE_STEP
      writeReservation(this.reservationPath, this.reservedThrough)
    }
    this.next++
    return seq
  }

  private emit(type: string, host: string, seq: number, frame: Uint8Array): void {
    this.log.append(seq, frame, this.now())
    this.fanout.publish(seq, frame)
    this.counters?.eventsOut.inc({ host, type })
  }
}

function readReservation(path: string): number {
  if (!existsSync(path)) return 0
  const n = Number(readFileSync(path, 'utf8').trim())
  return Number.isSafeInteger(n) && n > 0 ? n : 0
}

/** Written to a temporary file, fsynced and renamed, then the directory fsynced. */
function writeReservation(path: string, value: number): void {
  const tmp = `${path}.tmp`
  const fd = openSync(tmp, 'w')
  try {
    writeSync(fd, String(value))
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  renameSync(tmp, path)
  const dir = openSync(dirname(path), 'r')
  try {
    fsyncSync(dir)
  } finally {
    closeSync(dir)
  }
}

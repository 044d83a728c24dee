// The contiguous-finished-prefix cursor (sync.md "Usage and Implementation Guidelines"; the
// indigo/rsky high-water mark): seqs are registered in stream order and may finish in any order;
// the cursor is the last seq before the first unfinished one.

export interface TrackedSeq {
  readonly seq: number
  done: boolean
}

export class CursorTracker {
  // A queue with a moving head: entries before `head` have been retired.
  private entries: TrackedSeq[] = []
  private head = 0
  private last: number | undefined
  cursor: number | undefined

  constructor(start?: number) {
    this.cursor = start
    this.last = start
  }

  /** Registers the next seq in stream order; seqs must strictly increase. */
  track(seq: number): TrackedSeq | undefined {
    if (this.last !== undefined && seq <= this.last) return undefined
    this.last = seq
    const entry: TrackedSeq = { seq, done: false }
    this.entries.push(entry)
    return entry
  }

  get lastTracked(): number | undefined {
    return this.last
  }

  get pending(): number {
    return this.entries.length - this.head
  }

  /** Marks `entry` finished; returns the new cursor if it moved, else undefined. */
  finish(entry: TrackedSeq): number | undefined {
    entry.done = true
    const entries = this.entries
    if (entries[this.head] !== entry) return undefined
    let head = this.head
    while (head < entries.length && entries[head].done) head++
    this.cursor = entries[head - 1].seq
    if (head === entries.length) {
      this.entries = []
      this.head = 0
    } else if (head > 1024 && head * 2 > entries.length) {
      this.entries = entries.slice(head)
      this.head = 0
    } else {
      this.head = head
    }
    return this.cursor
  }
}

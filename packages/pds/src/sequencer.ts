// Assigns sequence numbers to events inside the transaction that causes them, and hands each
// committed event to live listeners (the firehose fan-out) in seq order, after the commit, so a
// subscriber never sees an event that a crash could still undo (event-stream.md "Sequence
// Numbers": commit events to storage before transmitting them).
import type { PdsDatabase } from './db/database.js'
import { DatabaseError } from './errors.js'
import { type EventBody, type EventType, encodeEventFrame } from './events.js'

export interface SequencedEvent {
  seq: number
  did: string
  type: EventType
  /** ISO datetime put in the payload's `time`. */
  time: string
  /** The whole WebSocket frame (header and payload). */
  frame: Uint8Array
}

export type EventListener = (event: SequencedEvent) => void

export class Sequencer {
  #next: number
  #pending: SequencedEvent[] = []
  readonly #listeners = new Set<EventListener>()
  readonly #insert

  constructor(readonly db: PdsDatabase) {
    this.#next = this.#loadNext()
    this.#insert = db.prepare(
      'INSERT INTO repo_seq (seq, did, type, frame, created_at) VALUES (?, ?, ?, ?, ?)',
    )
  }

  #loadNext(): number {
    // Retention never deletes the newest event (event-log.ts), so max(seq) is the highest seq
    // ever given out and the next one is new.
    const row = this.db.prepare('SELECT max(seq) AS s FROM repo_seq').get() as { s: number | null }
    return (row.s ?? 0) + 1
  }

  /** The seq the next event will get. */
  get nextSeq(): number {
    return this.#next
  }

  /**
   * Appends an event; must run inside `transact`. The seq is taken here, so events of one
   * transaction get consecutive seqs in the order they are appended.
   */
  append(did: string, type: EventType, body: EventBody, time = new Date().toISOString()): SequencedEvent {
    if (!this.db.inTransaction) throw new DatabaseError('Sequencer.append must run inside Sequencer.transact')
    const seq = this.#next
    const frame = encodeEventFrame(type, body, seq, time)
    this.#insert.run(seq, did, type, frame, Date.now())
    this.#next = seq + 1
    const event = { seq, did, type, time, frame }
    this.#pending.push(event)
    return event
  }

  /**
   * Runs `fn` in a database transaction (a savepoint when nested) and, once the outermost
   * transaction commits, publishes the events it appended. On failure the seqs taken inside are
   * given back, as the rollback removed their rows.
   */
  transact<T>(fn: (db: PdsDatabase) => T): T {
    const outer = !this.db.inTransaction
    const mark = this.#pending.length
    const next = this.#next
    let out: T
    try {
      out = this.db.transact(fn)
    } catch (err) {
      this.#pending.length = mark
      this.#next = next
      if (outer) this.#next = this.#loadNext()
      throw err
    }
    if (outer) this.#publish()
    return out
  }

  #publish(): void {
    const events = this.#pending
    this.#pending = []
    for (const e of events) {
      for (const l of this.#listeners) {
        try {
          l(e)
        } catch {
          // A failing subscriber must not undo or block a committed write; it resyncs from the log.
        }
      }
    }
  }

  subscribe(listener: EventListener): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }
}

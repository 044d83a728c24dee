// What the fan-out needs from a producer's persisted event log (a PDS sequencer table, a relay's
// disk log): the retained seq range and ordered reads after a cursor.

export interface LoggedEvent {
  seq: number
  /** The frame exactly as it goes on the wire, encoded once when the event was sequenced. */
  frame: Uint8Array
}

type MaybePromise<T> = T | Promise<T>

export interface EventLog {
  /** Highest persisted seq, or undefined when nothing was ever persisted. */
  head(): MaybePromise<number | undefined>
  /** Lowest seq still retained, or undefined when the log is empty. */
  oldest(): MaybePromise<number | undefined>
  /**
   * Highest seq dropped by retention, if known. Optional: with it, "the cursor is older than the
   * window" is exact even when seqs have gaps; without it, it is judged from oldest().
   */
  prunedThrough?(): MaybePromise<number | undefined>
  /** Up to `limit` events with seq > `afterSeq`, in increasing seq order. */
  read(afterSeq: number, limit: number): MaybePromise<LoggedEvent[]>
}

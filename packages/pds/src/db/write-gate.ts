// A gate the group committer checks before each batch: the checkpointer closes it for the few
// milliseconds its catch-up checkpoint needs (checkpointer.ts). Only commits wait; the event loop,
// reads and the CPU half of writes (MST, signing) go on, and the commits that queued up meanwhile
// go in one batch when it opens.

export class WriteGate {
  #held = false
  #waiters: (() => void)[] = []
  /** Times the gate was closed and the milliseconds it stayed closed, for tests and tuning. */
  holds = 0
  heldMs = 0
  #since = 0

  get held(): boolean {
    return this.#held
  }

  hold(): void {
    if (this.#held) return
    this.holds++
    this.#since = performance.now()
    this.#held = true
  }

  release(): void {
    if (!this.#held) return
    this.heldMs += performance.now() - this.#since
    this.#held = false
    const waiters = this.#waiters
    this.#waiters = []
    for (const w of waiters) w()
  }

  /** Calls `fn` once the gate is open: at once when it is. */
  whenOpen(fn: () => void): void {
    if (this.#held) this.#waiters.push(fn)
    else fn()
  }
}

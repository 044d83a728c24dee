// Per-key serialization: tasks for one key (a DID) run one after another in arrival order, tasks
// for different keys run concurrently. Memory is bounded by the keys with work in flight: a
// key's entry is dropped when its last task settles.

export class KeyedQueue {
  readonly #tails = new Map<string, Promise<unknown>>()

  /** Runs `task` after every task queued earlier for `key` has settled. */
  run<T>(key: string, task: () => Promise<T> | T): Promise<T> {
    const prev = this.#tails.get(key)
    const next = prev === undefined ? Promise.resolve().then(task) : prev.then(task, task)
    // The tail never rejects, so a failed task does not poison the ones queued after it.
    const tail = next.then(
      () => undefined,
      () => undefined,
    )
    this.#tails.set(key, tail)
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key)
    })
    return next
  }

  /** Keys with queued or running work. */
  get activeKeys(): number {
    return this.#tails.size
  }

  /** Resolves when everything queued so far (for every key) has settled. */
  async drain(): Promise<void> {
    while (this.#tails.size > 0) await Promise.all([...this.#tails.values()])
  }
}

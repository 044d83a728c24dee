// In-process mutual exclusion per key (a DID): callers for the same key run one at a time, in
// arrival order; different keys run concurrently. Keeps a process from holding several database
// connections that would only queue on the same row lock.
export class KeyedLock {
  readonly #tails = new Map<string, Promise<void>>()

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.#tails.get(key) ?? Promise.resolve()
    let release!: () => void
    const mine = new Promise<void>((resolve) => {
      release = resolve
    })
    const tail = prev.then(() => mine)
    this.#tails.set(key, tail)
    await prev
    try {
      return await fn()
    } finally {
      release()
      if (this.#tails.get(key) === tail) this.#tails.delete(key)
    }
  }

  /** Keys with a holder or waiters (for tests and metrics). */
  get size(): number {
    return this.#tails.size
  }
}

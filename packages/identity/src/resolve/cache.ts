// A bounded in-memory cache with a freshness TTL and stale-while-revalidate: within staleTtl
// an entry is served as is; between staleTtl and maxTtl it is served at once while one
// background load refreshes it; after maxTtl callers wait for a fresh load. Concurrent loads of
// one key share a promise, so a burst of lookups costs one request. Least recently used entries
// are evicted beyond maxEntries.

export interface CacheOptions {
  /** Age after which an entry is refreshed in the background (default 1 hour). */
  staleTtlMs?: number
  /** Age after which an entry is not served at all (default 24 hours). */
  maxTtlMs?: number
  /** Entries kept (default 10,000). */
  maxEntries?: number
  /** Clock, for tests. */
  now?: () => number
}

interface Entry<V> {
  value: V
  storedAt: number
}

export interface CacheLookup<V> {
  value: V
  stale: boolean
}

export class SwrCache<V> {
  readonly #entries = new Map<string, Entry<V>>()
  readonly #loading = new Map<string, Promise<V | null>>()
  readonly #staleTtl: number
  readonly #maxTtl: number
  readonly #maxEntries: number
  readonly #now: () => number

  constructor(opts: CacheOptions = {}) {
    this.#staleTtl = opts.staleTtlMs ?? 60 * 60 * 1000
    this.#maxTtl = Math.max(opts.maxTtlMs ?? 24 * 60 * 60 * 1000, this.#staleTtl)
    this.#maxEntries = Math.max(1, opts.maxEntries ?? 10_000)
    this.#now = opts.now ?? Date.now
  }

  get size(): number {
    return this.#entries.size
  }

  /** The cached value if it is not past maxTtl, and whether it is stale. */
  peek(key: string): CacheLookup<V> | undefined {
    const entry = this.#entries.get(key)
    if (!entry) return undefined
    const age = this.#now() - entry.storedAt
    if (age > this.#maxTtl) {
      this.#entries.delete(key)
      return undefined
    }
    this.#entries.delete(key)
    this.#entries.set(key, entry)
    return { value: entry.value, stale: age > this.#staleTtl }
  }

  set(key: string, value: V): void {
    this.#entries.delete(key)
    this.#entries.set(key, { value, storedAt: this.#now() })
    while (this.#entries.size > this.#maxEntries)
      this.#entries.delete(this.#entries.keys().next().value as string)
  }

  delete(key: string): void {
    this.#entries.delete(key)
  }

  clear(): void {
    this.#entries.clear()
  }

  /**
   * The value for `key`, loading it when absent, expired or `forceRefresh`. A null load result
   * is returned but not cached (and drops any cached value).
   */
  async get(
    key: string,
    load: () => Promise<V | null>,
    opts: { forceRefresh?: boolean } = {},
  ): Promise<V | null> {
    if (!opts.forceRefresh) {
      const hit = this.peek(key)
      if (hit) {
        if (hit.stale) this.#load(key, load).catch(() => {}) // keep serving the stale value on failure
        return hit.value
      }
    }
    return this.#load(key, load)
  }

  #load(key: string, load: () => Promise<V | null>): Promise<V | null> {
    const pending = this.#loading.get(key)
    if (pending) return pending
    const promise = load()
      .then((value) => {
        if (value === null) this.#entries.delete(key)
        else this.set(key, value)
        return value
      })
      .finally(() => this.#loading.delete(key))
    this.#loading.set(key, promise)
    return promise
  }
}

// Tells relays this PDS has new data: `com.atproto.sync.requestCrawl {hostname}` to each
// PDS_CRAWLERS service after the first event, then at most once per interval (the official
// PDS's cadence, ~20 minutes), so a relay that dropped us comes back. Fire and forget: each
// request has a timeout, failures are logged and never thrown.

export const DEFAULT_CRAWL_INTERVAL_MS = 20 * 60_000
export const DEFAULT_CRAWL_TIMEOUT_MS = 10_000

/**
 * What to send as `hostname`: PDS_HOSTNAME, which relays reach over https on the default port;
 * but for a PDS served over plain http on a loopback name (dev mode, `http://localhost:2583`)
 * `localhost:PORT`, since no relay can connect back to a bare `localhost`. Relays read the value
 * as a URL host, so the port carries through (indigo prefixes a scheme and keeps `u.Host`;
 * Welkin's relay admits `localhost:PORT` with --allow-loopback); the official PDS sends the bare
 * name, which only works for public hosts.
 */
export function crawlHostname(service: { hostname: string; publicUrl: string }): string {
  const url = new URL(service.publicUrl)
  if (url.protocol !== 'http:') return service.hostname
  return `${url.hostname}:${url.port || '80'}`
}

export interface CrawlerNotifierOptions {
  /** This PDS's public hostname (PDS_HOSTNAME), what relays connect back to. */
  hostname: string
  /** Base URLs of the relays (PDS_CRAWLERS). */
  crawlers: readonly string[]
  intervalMs?: number
  timeoutMs?: number
  log?: (msg: string, fields?: Record<string, unknown>) => void
  fetch?: typeof fetch
  now?: () => number
}

export class CrawlerNotifier {
  readonly #opts: CrawlerNotifierOptions
  readonly #interval: number
  readonly #timeout: number
  readonly #inflight = new Set<AbortController>()
  #last: number | undefined
  #closed = false

  constructor(opts: CrawlerNotifierOptions) {
    this.#opts = opts
    this.#interval = opts.intervalMs ?? DEFAULT_CRAWL_INTERVAL_MS
    this.#timeout = opts.timeoutMs ?? DEFAULT_CRAWL_TIMEOUT_MS
  }

  /** Called for every event; sends requests only when the interval has passed. Never throws. */
  notifyOfUpdate(): void {
    if (this.#closed || this.#opts.crawlers.length === 0) return
    const now = (this.#opts.now ?? Date.now)()
    if (this.#last !== undefined && now - this.#last < this.#interval) return
    this.#last = now
    void this.requestCrawls()
  }

  /** One round of requests; resolves when all have answered, failed or timed out. */
  async requestCrawls(): Promise<void> {
    const body = JSON.stringify({ hostname: this.#opts.hostname })
    await Promise.all(this.#opts.crawlers.map((url) => this.#request(url, body)))
  }

  async #request(base: string, body: string): Promise<void> {
    const ac = new AbortController()
    this.#inflight.add(ac)
    const timer = setTimeout(() => ac.abort(), this.#timeout)
    const url = `${base.replace(/\/+$/, '')}/xrpc/com.atproto.sync.requestCrawl`
    try {
      const res = await (this.#opts.fetch ?? fetch)(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: ac.signal,
      })
      // Drain the body so the connection can be reused; only the status matters.
      await res.arrayBuffer().catch(() => undefined)
      if (!res.ok) this.#opts.log?.('requestCrawl refused', { crawler: base, status: res.status })
    } catch (err) {
      if (!this.#closed) this.#opts.log?.('requestCrawl failed', { crawler: base, err: String(err) })
    } finally {
      clearTimeout(timer)
      this.#inflight.delete(ac)
    }
  }

  close(): void {
    this.#closed = true
    for (const ac of this.#inflight) ac.abort()
  }
}

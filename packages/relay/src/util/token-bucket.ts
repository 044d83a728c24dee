// A token bucket for per-host event rates (sync.md "Security Concerns": rate-limit by host).
// Over the limit, the host is paced rather than dropped: the consumer waits for a token, its
// socket pauses, and TCP slows the host down, so no event (and no repo's chain) is lost.

export class TokenBucket {
  private tokens: number
  private last: number

  constructor(
    private ratePerSec: number,
    private burst: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst
    this.last = now()
  }

  setRate(ratePerSec: number, burst: number): void {
    this.refill()
    this.ratePerSec = ratePerSec
    this.burst = burst
    this.tokens = Math.min(this.tokens, burst)
  }

  private refill(): void {
    const t = this.now()
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.ratePerSec)
    this.last = t
  }

  /** Takes a token if one is available. */
  tryTake(): boolean {
    if (this.tokens < 1) this.refill()
    if (this.tokens < 1) return false
    this.tokens -= 1
    return true
  }

  /** Milliseconds until a token is available. */
  waitMs(): number {
    this.refill()
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) / this.ratePerSec) * 1000)
  }
}

/** A counting semaphore: bounds events in flight across every host. */
export class Gate {
  private used = 0
  private readonly waiters: (() => void)[] = []

  constructor(readonly capacity: number) {}

  get inUse(): number {
    return this.used
  }

  /** Undefined when a slot was free (taken), else a promise resolving once one is. */
  acquire(): Promise<void> | undefined {
    if (this.used < this.capacity) {
      this.used++
      return undefined
    }
    return new Promise((resolve) =>
      this.waiters.push(() => {
        this.used++
        resolve()
      }),
    )
  }

  release(): void {
    this.used--
    if (this.used < this.capacity) this.waiters.shift()?.()
  }
}

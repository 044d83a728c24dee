// Firehose messages repeat a few collections and, in bursts, the same accounts; remembering
// strings already found valid skips re-running their syntax checks on the hot path. Bounded:
// a full cache is simply emptied.

export class ValidCache {
  private readonly seen = new Set<string>()

  constructor(
    private readonly check: (s: string) => boolean,
    private readonly max: number,
  ) {}

  isValid(s: string): boolean {
    if (this.seen.has(s)) return true
    if (!this.check(s)) return false
    if (this.seen.size >= this.max) this.seen.clear()
    this.seen.add(s)
    return true
  }
}

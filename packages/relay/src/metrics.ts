// Prometheus metrics in the text exposition format (version 0.0.4). Counters and gauges keyed
// by a few labels; label sets are bounded by what they name (hosts, drop reasons, event types).
// Gauges that mirror live state are computed when scraped.

type Labels = Record<string, string>

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')
}

function labelText(names: readonly string[], values: readonly string[]): string {
  if (names.length === 0) return ''
  return `{${names.map((n, i) => `${n}="${escapeLabel(values[i])}"`).join(',')}}`
}

abstract class Metric {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {}
  abstract readonly type: 'counter' | 'gauge'
  abstract samples(): [string[], number][]

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`]
    for (const [values, v] of this.samples())
      lines.push(`${this.name}${labelText(this.labelNames, values)} ${v}`)
    return lines.join('\n')
  }
}

/** A monotonically increasing count per label set. */
export class Counter extends Metric {
  readonly type = 'counter'
  private readonly values = new Map<string, { labels: string[]; value: number }>()

  inc(labels: Labels = {}, by = 1): void {
    const values = this.labelNames.map((n) => labels[n] ?? '')
    const key = values.join('\u0000')
    const entry = this.values.get(key)
    if (entry) entry.value += by
    else this.values.set(key, { labels: values, value: by })
  }

  get(labels: Labels = {}): number {
    return this.values.get(this.labelNames.map((n) => labels[n] ?? '').join('\u0000'))?.value ?? 0
  }

  /** Sum over every label set whose labels include `match`. */
  sum(match: Labels = {}): number {
    let total = 0
    for (const { labels, value } of this.values.values()) {
      if (this.labelNames.every((n, i) => match[n] === undefined || match[n] === labels[i])) total += value
    }
    return total
  }

  samples(): [string[], number][] {
    return [...this.values.values()].map((e) => [e.labels, e.value])
  }
}

/** A value read when scraped. */
export class Gauge extends Metric {
  readonly type = 'gauge'
  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    private readonly collect: () => [string[], number][] | number,
  ) {
    super(name, help, labelNames)
  }

  samples(): [string[], number][] {
    const v = this.collect()
    return typeof v === 'number' ? [[[], v]] : v
  }
}

export class MetricsRegistry {
  private readonly metrics: Metric[] = []

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    const c = new Counter(name, help, labelNames)
    this.metrics.push(c)
    return c
  }

  gauge(
    name: string,
    help: string,
    collect: () => [string[], number][] | number,
    labelNames: readonly string[] = [],
  ): Gauge {
    const g = new Gauge(name, help, labelNames, collect)
    this.metrics.push(g)
    return g
  }

  render(): string {
    return `${this.metrics.map((m) => m.render()).join('\n')}\n`
  }
}

/** The relay's own counters; gauges are registered by the stages that own the state. */
export function relayCounters(registry: MetricsRegistry) {
  return {
    eventsIn: registry.counter('relay_events_in_total', 'Events received from upstream hosts', [
      'host',
      'type',
    ]),
    // host: the upstream host the event came from; empty for the relay's own (admin takedowns).
    eventsOut: registry.counter('relay_events_out_total', 'Events sequenced into the output stream', [
      'host',
      'type',
    ]),
    drops: registry.counter('relay_events_dropped_total', 'Upstream events dropped, by reason', [
      'host',
      'reason',
    ]),
    verified: registry.counter('relay_commits_verified_total', 'Commits that passed verification', ['host']),
    resolutions: registry.counter('relay_identity_resolutions_total', 'DID resolutions, by outcome', [
      'outcome',
    ]),
    connects: registry.counter('relay_host_connects_total', 'Subscription attempts to hosts', ['host']),
  }
}

export type RelayCounters = ReturnType<typeof relayCounters>

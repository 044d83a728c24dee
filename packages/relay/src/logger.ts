// Structured logs: one JSON object per line (time, level, msg, fields), so operators can grep
// and ship them. Repetitive warnings (a hostile host's every bad frame) go through `limited`,
// which lets a few through per key and minute and counts the rest.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error'
export type LogFields = Record<string, unknown>

export interface RelayLogger {
  log(level: LogLevel, msg: string, fields?: LogFields): void
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 }

function jsonSafe(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message }
  if (typeof value === 'bigint') return value.toString()
  if (value instanceof Uint8Array) return `<${value.length} bytes>`
  return value
}

/** JSON lines to `write` (default stderr) at `level` and above. */
export function jsonLogger(
  level: LogLevel = 'info',
  write: (line: string) => unknown = (line) => process.stderr.write(line),
): RelayLogger {
  const min = ORDER[level]
  return {
    log(lvl, msg, fields) {
      if (ORDER[lvl] < min) return
      write(`${JSON.stringify({ time: new Date().toISOString(), level: lvl, msg, ...fields }, jsonSafe)}\n`)
    },
  }
}

export const silentLogger: RelayLogger = { log() {} }

/** Logs at most `perMinute` lines per key each minute; the rest are counted and summarised. */
export class LimitedLogger {
  private readonly windows = new Map<string, { start: number; count: number }>()

  constructor(
    private readonly logger: RelayLogger,
    private readonly perMinute = 5,
    private readonly now: () => number = Date.now,
  ) {}

  log(key: string, level: LogLevel, msg: string, fields?: LogFields): void {
    const t = this.now()
    let w = this.windows.get(key)
    if (!w || t - w.start >= 60_000) {
      if (w && w.count > this.perMinute) {
        this.logger.log(level, 'suppressed repeated log lines', { key, suppressed: w.count - this.perMinute })
      }
      w = { start: t, count: 0 }
      this.windows.set(key, w)
      if (this.windows.size > 10_000) this.windows.delete(this.windows.keys().next().value!)
    }
    if (++w.count <= this.perMinute) this.logger.log(level, msg, fields)
  }
}

// `welkin plc`: runs the did:plc directory (embedded SQLite in --data, or PostgreSQL with
// --db) until Ctrl-C, then lets in-flight requests finish and closes the database.
import { parseArgs } from 'node:util'
import {
  type ClientRateLimit,
  DEFAULT_CLIENT_RATE_LIMIT,
  DEFAULT_OP_RATE_LIMITS,
  DEFAULT_PLC_PORT,
  type OpRateLimits,
  openPlcStore,
  PlcDirectory,
  SQLITE_FILE,
  startPlcServer,
} from '@welkin/plc'
import { type Command, CommandError, UsageError } from '../command.js'

/** A burst of this many seconds' worth of POSTs, the ratio of the defaults (300 at 60/s). */
const BURST_SECONDS = DEFAULT_CLIENT_RATE_LIMIT.burst / DEFAULT_CLIENT_RATE_LIMIT.perSecond

const usage = `Usage:
  welkin plc [--port N] [--host ADDR] [--data DIR | --db postgres://...] [--db-schema NAME]
             [--trusted-proxies N] [--post-rate N] [--op-limits off|H,D,W]
      Serves a did:plc directory: GET /:did, /:did/data, /:did/log, /:did/log/audit,
      /:did/log/last, /export; POST /:did; GET /_health.
  --port       default ${DEFAULT_PLC_PORT}
  --host       default 127.0.0.1 (use 0.0.0.0 to serve other machines)
  --data       directory for the SQLite database (default ./data/plc)
  --db         PostgreSQL URL, for several directory processes sharing one database
  --db-schema  PostgreSQL schema (default public)
  --trusted-proxies  reverse proxies in front of the directory (default 0); POSTs are rate
               limited per client, taken from X-Forwarded-For only when this is set
  --post-rate  POSTs per second per client (default ${DEFAULT_CLIENT_RATE_LIMIT.perSecond}, with bursts of ${BURST_SECONDS}
               seconds' worth); 0 turns the per-client limit off (test networks)
  --op-limits  ops accepted per DID per hour, day and week (default ${DEFAULT_OP_RATE_LIMITS.perHour},${DEFAULT_OP_RATE_LIMITS.perDay},${DEFAULT_OP_RATE_LIMITS.perWeek});
               0 turns one window off, "off" all of them (test networks). Recoveries are
               never refused by these.`

/** `--post-rate N`: the per-client token bucket, or false (0) for none. */
function parsePostRate(raw: string | undefined): ClientRateLimit | false | undefined {
  if (raw === undefined) return undefined
  if (!/^\d{1,7}$/.test(raw))
    throw new UsageError(`--post-rate must be a whole number of POSTs per second, got ${raw}`)
  const perSecond = Number(raw)
  return perSecond === 0 ? false : { perSecond, burst: perSecond * BURST_SECONDS }
}

/** `--op-limits off|H,D,W`: per-DID caps per hour, day and week (0 = that window off). */
function parseOpLimits(raw: string | undefined): OpRateLimits | false | undefined {
  if (raw === undefined) return undefined
  if (raw === 'off') return false
  const m = /^(\d{1,9}),(\d{1,9}),(\d{1,9})$/.exec(raw)
  if (!m)
    throw new UsageError(`--op-limits must be "off" or three numbers H,D,W (per hour, day, week), got ${raw}`)
  return { perHour: Number(m[1]), perDay: Number(m[2]), perWeek: Number(m[3]) }
}

/** One line describing the write limits in force, for the operator. */
export function describeLimits(post: ClientRateLimit | false, ops: OpRateLimits | false): string {
  const client = post
    ? `${post.perSecond} POSTs/s per client (burst ${post.burst})`
    : 'no per-client POST limit'
  const windows = ops
    ? (['perHour', 'perDay', 'perWeek'] as const)
        .filter((k) => (ops[k] ?? 0) > 0)
        .map((k) => `${ops[k]}/${k.slice(3).toLowerCase()}`)
    : []
  return `limits: ${client}; ${windows.length > 0 ? `ops per DID ${windows.join(', ')}` : 'no per-DID op limit'}`
}

function parseProxies(raw: string | undefined): number {
  if (raw === undefined) return 0
  if (!/^\d{1,2}$/.test(raw)) throw new UsageError(`--trusted-proxies must be a small number, got ${raw}`)
  return Number(raw)
}

function parsePort(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_PLC_PORT
  const port = /^\d{1,5}$/.test(raw) ? Number(raw) : Number.NaN
  if (!(port >= 0 && port <= 65535)) throw new UsageError(`--port must be 0-65535, got ${raw}`)
  return port
}

export const plcCommand: Command = {
  summary: 'run a did:plc directory server (default port 2582)',
  usage,
  async run(ctx) {
    const { values } = parseArgs({
      args: ctx.argv,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        data: { type: 'string' },
        db: { type: 'string' },
        'db-schema': { type: 'string' },
        'trusted-proxies': { type: 'string' },
        'post-rate': { type: 'string' },
        'op-limits': { type: 'string' },
      },
    })
    if (values.data && values.db) throw new UsageError('give --data or --db, not both')
    if (values.db && !/^postgres(ql)?:\/\//.test(values.db))
      throw new UsageError('--db must be a postgres:// URL')
    const port = parsePort(values.port)
    const trustedProxies = parseProxies(values['trusted-proxies'])
    const postRateLimit = parsePostRate(values['post-rate']) ?? { ...DEFAULT_CLIENT_RATE_LIMIT }
    const opLimits = parseOpLimits(values['op-limits']) ?? { ...DEFAULT_OP_RATE_LIMITS }
    const dataDir = values.db ? undefined : (values.data ?? 'data/plc')
    let store: Awaited<ReturnType<typeof openPlcStore>>
    try {
      store = await openPlcStore({ dataDir, db: values.db, schema: values['db-schema'] })
    } catch (err) {
      throw new CommandError(`cannot open the database: ${(err as Error).message}`)
    }
    let server: Awaited<ReturnType<typeof startPlcServer>>
    try {
      server = await startPlcServer(new PlcDirectory(store, { opLimits }), {
        port,
        host: values.host,
        trustedProxies,
        postRateLimit,
        onError: (err) => ctx.err(`welkin plc: ${(err as Error)?.stack ?? String(err)}`),
      })
    } catch (err) {
      await store.close()
      throw new CommandError(`cannot listen on port ${port}: ${(err as Error).message}`)
    }
    const where = values.db
      ? `postgres (${values['db-schema'] ?? 'public'})`
      : `sqlite ${dataDir}/${SQLITE_FILE}`
    ctx.out(`welkin plc listening on ${server.url} (${where})`)
    ctx.err(describeLimits(postRateLimit, opLimits))
    if (!ctx.signal.aborted)
      await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }))
    await server.close(1_000)
    await store.close()
    ctx.err('welkin plc stopped')
    return 0
  },
}

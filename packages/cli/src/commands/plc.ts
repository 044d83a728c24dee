// `welkin plc`: runs the did:plc directory (embedded SQLite in --data, or PostgreSQL with
// --db) until Ctrl-C, then lets in-flight requests finish and closes the database.
import { parseArgs } from 'node:util'
import { DEFAULT_PLC_PORT, openPlcStore, PlcDirectory, SQLITE_FILE, startPlcServer } from '@welkin/plc'
import { type Command, CommandError, UsageError } from '../command.js'

const usage = `Usage:
  welkin plc [--port N] [--host ADDR] [--data DIR | --db postgres://...] [--db-schema NAME]
             [--trusted-proxies N]
      Serves a did:plc directory: GET /:did, /:did/data, /:did/log, /:did/log/audit,
      /:did/log/last, /export; POST /:did; GET /_health.
  --port       default ${DEFAULT_PLC_PORT}
  --host       default 127.0.0.1 (use 0.0.0.0 to serve other machines)
  --data       directory for the SQLite database (default ./data/plc)
  --db         PostgreSQL URL, for several directory processes sharing one database
  --db-schema  PostgreSQL schema (default public)
  --trusted-proxies  reverse proxies in front of the directory (default 0); POSTs are rate
               limited per client, taken from X-Forwarded-For only when this is set`

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
      },
    })
    if (values.data && values.db) throw new UsageError('give --data or --db, not both')
    if (values.db && !/^postgres(ql)?:\/\//.test(values.db))
      throw new UsageError('--db must be a postgres:// URL')
    const port = parsePort(values.port)
    const trustedProxies = parseProxies(values['trusted-proxies'])
    const dataDir = values.db ? undefined : (values.data ?? 'data/plc')
    let store: Awaited<ReturnType<typeof openPlcStore>>
    try {
      store = await openPlcStore({ dataDir, db: values.db, schema: values['db-schema'] })
    } catch (err) {
      throw new CommandError(`cannot open the database: ${(err as Error).message}`)
    }
    let server: Awaited<ReturnType<typeof startPlcServer>>
    try {
      server = await startPlcServer(new PlcDirectory(store), {
        port,
        host: values.host,
        trustedProxies,
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
    if (!ctx.signal.aborted)
      await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }))
    await server.close(1_000)
    await store.close()
    ctx.err('welkin plc stopped')
    return 0
  },
}

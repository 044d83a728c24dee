// `welkin relay`: runs a relay until Ctrl-C. Configuration comes from RELAY_* environment
// variables (see @welkin/relay's README), with the flags below on top; the admin password only
// from RELAY_ADMIN_PASSWORD, so it never shows in a process list.
import { parseArgs } from 'node:util'
import { createRelay, DEFAULT_RELAY_PORT, RelayConfigError, resolveRelayConfig } from '@welkin/relay'
import { type Command, CommandError, UsageError } from '../command.js'

const usage = `Usage:
  welkin relay [--port N] [--host ADDR] [--data DIR] [--plc URL] [--allow-loopback] [--archive]
               [--crawl HOST]... [--workers N]
      Crawls PDS hosts, verifies every commit, and serves one firehose at
      /xrpc/com.atproto.sync.subscribeRepos, the relay's sync API, /admin and /metrics.
  --port            default ${DEFAULT_RELAY_PORT}
  --host            address to bind (default 127.0.0.1; 0.0.0.0 to serve other machines)
  --data            data directory (default ./data/relay)
  --plc             did:plc directory (default https://plc.directory)
  --allow-loopback  admit localhost:PORT hosts over plain ws/http (local networks, tests);
                    a public relay refuses loopback and private addresses
  --archive         keep full repos: getRepo, getRecord, getBlocks served from this relay
  --crawl HOST      crawl this host from the start (repeatable)
  --workers N       verification threads (default: one per core, at most 8)
  Environment: RELAY_ADMIN_PASSWORD enables /admin (HTTP Basic, user "admin"); other RELAY_*
  variables set limits, retention and caches.`

function intFlag(name: string, raw: string | undefined, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (raw === undefined) return undefined
  const n = /^\d{1,9}$/.test(raw) ? Number(raw) : Number.NaN
  if (!(n >= 0 && n <= max)) throw new UsageError(`--${name} must be an integer from 0 to ${max}, got ${raw}`)
  return n
}

export const relayCommand: Command = {
  summary: `run a relay: crawl PDSes, verify, serve one firehose (default port ${DEFAULT_RELAY_PORT})`,
  usage,
  async run(ctx) {
    const { values } = parseArgs({
      args: ctx.argv,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        data: { type: 'string' },
        plc: { type: 'string' },
        'allow-loopback': { type: 'boolean' },
        archive: { type: 'boolean' },
        crawl: { type: 'string', multiple: true },
        workers: { type: 'string' },
      },
    })
    let config: ReturnType<typeof resolveRelayConfig>
    try {
      const env = { ...process.env }
      if (values.plc) env.RELAY_PLC_URL = values.plc
      config = resolveRelayConfig(env, {
        port: intFlag('port', values.port, 65535),
        bindHost: values.host,
        dataDir: values.data,
        allowLoopback: values['allow-loopback'] || undefined,
        archive: values.archive || undefined,
        verifyWorkers: intFlag('workers', values.workers, 64),
        seedHosts: values.crawl,
      })
    } catch (err) {
      if (err instanceof RelayConfigError) throw new UsageError(err.message)
      throw err
    }
    let relay: Awaited<ReturnType<typeof createRelay>>
    try {
      relay = await createRelay(config)
    } catch (err) {
      throw new CommandError(`cannot start the relay: ${(err as Error).message}`)
    }
    ctx.out(`welkin relay listening on ${relay.url} (data in ${config.dataDir})`)
    ctx.out(`  stream: ${relay.url.replace(/^http/, 'ws')}/xrpc/com.atproto.sync.subscribeRepos`)
    if (!config.adminPassword)
      ctx.err('  admin endpoints disabled: set RELAY_ADMIN_PASSWORD to enable /admin')
    if (!ctx.signal.aborted)
      await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }))
    await relay.close()
    ctx.err('welkin relay stopped')
    return 0
  },
}

// `welkin pds`: runs the Personal Data Server until Ctrl-C. Configured by the official PDS's
// environment variables (PDS_HOSTNAME, PDS_PORT, PDS_DATA_DIRECTORY, PDS_DID_PLC_URL, ...), so
// an operator's pds.env works unchanged; --port and --data override the environment.
import { parseArgs } from 'node:util'
import { createPds, DEFAULT_PORT, type PdsEnv, readPdsEnv, resolvePdsConfig } from '@welkin/pds'
import { type Command, CommandError, UsageError } from '../command.js'

const usage = `Usage:
  welkin pds [--port N] [--host ADDR] [--data DIR]
      Serves an atproto PDS: accounts, repositories, blobs, sync and the firehose under
      /xrpc/, /.well-known/atproto-did for its handles, GET /xrpc/_health.
  --port   default $PDS_PORT or ${DEFAULT_PORT}
  --host   address to bind, default 127.0.0.1 (use 0.0.0.0 behind a reverse proxy elsewhere)
  --data   data directory, default $PDS_DATA_DIRECTORY or ./data/pds
Environment: the official PDS variables, e.g. PDS_HOSTNAME, PDS_DID_PLC_URL,
  PDS_SERVICE_HANDLE_DOMAINS, PDS_JWT_SECRET, PDS_ADMIN_PASSWORD,
  PDS_PLC_ROTATION_KEY_K256_PRIVATE_KEY_HEX, PDS_INVITE_REQUIRED, PDS_CRAWLERS, PDS_DEV_MODE.
  Secrets not given are generated once and kept in <data>/secrets.json.`

function parsePort(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined
  const port = /^\d{1,5}$/.test(raw) ? Number(raw) : Number.NaN
  if (!(port >= 0 && port <= 65535)) throw new UsageError(`--port must be 0-65535, got ${raw}`)
  return port
}

export const pdsCommand: Command = {
  summary: `run a Personal Data Server (default port ${DEFAULT_PORT})`,
  usage,
  async run(ctx) {
    const { values } = parseArgs({
      args: ctx.argv,
      options: { port: { type: 'string' }, host: { type: 'string' }, data: { type: 'string' } },
    })
    const overrides: Partial<PdsEnv> = { port: parsePort(values.port), dataDirectory: values.data }
    let config: ReturnType<typeof resolvePdsConfig>
    try {
      config = resolvePdsConfig(readPdsEnv(process.env), overrides)
    } catch (err) {
      throw new CommandError(`configuration: ${(err as Error).message}`)
    }
    let pds: Awaited<ReturnType<typeof createPds>>
    try {
      pds = await createPds(config, {
        host: values.host,
        log: (msg, fields) => ctx.err(`welkin pds: ${msg}${fields ? ` ${JSON.stringify(fields)}` : ''}`),
        xrpc: { closeGraceMs: 1_000 },
      })
    } catch (err) {
      throw new CommandError(`cannot start: ${(err as Error).message}`)
    }
    const { service, storage } = pds.ctx.config
    ctx.out(
      `welkin pds listening on ${pds.url} (public URL ${service.publicUrl}, data in ${storage.dataDirectory})`,
    )
    ctx.out(
      `  service DID ${service.did}, handles under ${pds.ctx.config.identity.serviceHandleDomains.join(', ')}`,
    )
    ctx.out(`  PLC directory ${pds.ctx.config.identity.plcUrl}; secrets in ${pds.ctx.store.secrets.path}`)
    if (!ctx.signal.aborted)
      await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }))
    await pds.close()
    ctx.err('welkin pds stopped')
    return 0
  },
}

// `welkin mesh`: runs a mesh node (libp2p gossip + anti-entropy over a SQLite graph, with an
// HTTP API) until Ctrl-C; `put`, `get` and `keygen` talk to a running node's API.
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
// The client entry does not load libp2p, so put/get/keygen start fast; serving imports the rest.
import {
  DEFAULT_API_PORT,
  DEFAULT_LISTEN,
  MeshApiClient,
  MeshConfigError,
  MeshError,
  readKeyFile,
  writeKeyFile,
} from '@welkin/mesh/client'
import { type Command, type CommandContext, CommandError, UsageError } from '../command.js'

const DEFAULT_API = `http://127.0.0.1:${DEFAULT_API_PORT}`

const usage = `Usage:
  welkin mesh [--data DIR] [--listen MULTIADDR]... [--bootstrap MULTIADDR]... [--api-port N] [--api-host ADDR]
      Runs a mesh node until Ctrl-C. HTTP API: GET /v1/info, GET|PUT /v1/graph/{soul},
      GET /v1/events (Server-Sent Events), GET /v1/diagnostics, GET /metrics.
  welkin mesh put [--api URL] [--key FILE] <soul> <json>
      Writes a JSON object of properties; ~did:key:… souls are signed with --key.
  welkin mesh get [--api URL] <soul>
      Prints the soul as JSON: {soul, data, state}.
  welkin mesh keygen --out FILE
      Makes a secp256k1 key (file mode 0600) and prints its did:key.
  --data       directory for graph.sqlite and the node's peer key (default ./data/mesh)
  --listen     libp2p listen address (default ${DEFAULT_LISTEN.join(' and ')})
  --bootstrap  peer to join through, e.g. /ip4/10.0.0.2/tcp/4001/p2p/12D3Koo… (repeatable)
  --api-port   HTTP API port (default ${DEFAULT_API_PORT})
  --api-host   HTTP API address (default 127.0.0.1: the API writes to the graph)
  --api        the node's API (default ${DEFAULT_API})`

function parsePort(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_API_PORT
  const port = /^\d{1,5}$/.test(raw) ? Number(raw) : Number.NaN
  if (!(port >= 0 && port <= 65535)) throw new UsageError(`--api-port must be 0-65535, got ${raw}`)
  return port
}

async function serve(ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args: ctx.argv,
    allowPositionals: true,
    options: {
      data: { type: 'string' },
      listen: { type: 'string', multiple: true },
      bootstrap: { type: 'string', multiple: true },
      'api-port': { type: 'string' },
      'api-host': { type: 'string' },
    },
  })
  if (positionals.length > 0) throw new UsageError(`unknown subcommand '${positionals[0]}'`)
  const apiPort = parsePort(values['api-port'])
  const dataDir = resolve(values.data ?? 'data/mesh')
  const { createMeshNode, startMeshApi } = await import('@welkin/mesh')
  let node: ReturnType<typeof createMeshNode>
  try {
    node = createMeshNode({
      dataDir,
      listen: values.listen ?? DEFAULT_LISTEN,
      bootstrap: values.bootstrap ?? [],
      onError: (err, where) => ctx.err(`welkin mesh: ${where}: ${(err as Error)?.message ?? String(err)}`),
    })
  } catch (err) {
    if (err instanceof MeshConfigError) throw new UsageError(err.message)
    throw new CommandError(`cannot open ${dataDir}: ${(err as Error).message}`)
  }
  try {
    await node.start()
  } catch (err) {
    throw new CommandError(`cannot start the mesh node: ${(err as Error).message}`)
  }
  let api: Awaited<ReturnType<typeof startMeshApi>>
  try {
    api = await startMeshApi(node, {
      port: apiPort,
      host: values['api-host'],
      onError: (err) => ctx.err(`welkin mesh: api: ${(err as Error)?.stack ?? String(err)}`),
    })
  } catch (err) {
    await node.stop()
    throw new CommandError(`cannot listen on API port ${apiPort}: ${(err as Error).message}`)
  }
  ctx.out(`welkin mesh ${node.peerId} (data in ${dataDir})`)
  for (const addr of node.multiaddrs) ctx.out(`  listening on ${addr}`)
  ctx.out(`  HTTP API on ${api.url}`)
  if (!ctx.signal.aborted)
    await new Promise((done) => ctx.signal.addEventListener('abort', done, { once: true }))
  await api.close()
  await node.stop()
  ctx.err('welkin mesh stopped')
  return 0
}

function parseObject(raw: string): Record<string, never> {
  let value: unknown
  try {
    value = JSON.parse(raw)
  } catch (err) {
    throw new UsageError(`<json> is not JSON: ${(err as Error).message}`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new UsageError('<json> must be an object of properties, like {"name": "Ann"}')
  return value as Record<string, never>
}

async function put(ctx: CommandContext, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { api: { type: 'string' }, key: { type: 'string' } },
  })
  if (positionals.length !== 2) throw new UsageError('put takes a soul and a JSON object')
  const [soul, json] = positionals
  const props = parseObject(json)
  const signer = values.key ? await readKeyFile(values.key) : undefined
  const result = await new MeshApiClient(values.api ?? DEFAULT_API).put(soul, props, signer)
  ctx.out(JSON.stringify(result))
  return 0
}

async function get(ctx: CommandContext, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { api: { type: 'string' } },
  })
  if (positionals.length !== 1) throw new UsageError('get takes one soul')
  const view = await new MeshApiClient(values.api ?? DEFAULT_API).get(positionals[0])
  if (view === null) throw new CommandError(`the node has no soul ${JSON.stringify(positionals[0])}`)
  ctx.out(JSON.stringify(view, null, 2))
  return 0
}

async function keygen(ctx: CommandContext, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { out: { type: 'string' } },
  })
  if (positionals.length > 0 || !values.out) throw new UsageError('keygen takes --out FILE')
  const key = await writeKeyFile(resolve(values.out))
  ctx.out(key.did())
  ctx.err(`key saved in ${resolve(values.out)} (mode 0600); its soul is ~${key.did()}`)
  return 0
}

export const meshCommand: Command = {
  summary: `run a p2p mesh node, or read and write a node's graph (API port ${DEFAULT_API_PORT})`,
  usage,
  async run(ctx) {
    const [sub, ...rest] = ctx.argv
    try {
      switch (sub) {
        case 'put':
          return await put(ctx, rest)
        case 'get':
          return await get(ctx, rest)
        case 'keygen':
          return await keygen(ctx, rest)
        default:
          return await serve(ctx)
      }
    } catch (err) {
      // Key files, addresses and API answers are the user's to fix: one line, not a stack.
      if (err instanceof MeshError) throw new CommandError(err.message)
      throw err
    }
  },
}

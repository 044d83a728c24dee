// `welkin up` (what `npm start` runs): the whole local network in one process on embedded
// defaults under ./data. Services start in dependency order; if one fails, those already
// running are stopped again. Ctrl-C stops everything, most dependent first.
import { mkdir } from 'node:fs/promises'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { DEFAULT_API_PORT } from '@welkin/mesh'
import { type Command, CommandError } from '../command.js'
import { meshService } from '../up/mesh.js'
import { pdsService } from '../up/pds.js'
import { plcService } from '../up/plc.js'
import { relayService } from '../up/relay.js'
import type { RunningService, ServiceSpec } from '../up/service.js'

const usage = `Usage:
  welkin up [--data DIR]
      Runs the local network: the did:plc directory (2582), the relay (2470), the PDS (2583)
      and a mesh node (HTTP API on ${DEFAULT_API_PORT}).
  --data   root data directory (default ./data)`

export function defaultServices(): ServiceSpec[] {
  // The relay starts before the PDS so the PDS can name it as its crawler.
  return [plcService(), relayService(), pdsService(), meshService()]
}

export async function startAll(
  services: ServiceSpec[],
  dataDir: string,
  log: (line: string) => void,
): Promise<RunningService[]> {
  await mkdir(dataDir, { recursive: true })
  const running: RunningService[] = []
  const urls: Record<string, string> = {}
  try {
    for (const spec of services) {
      const svc = await spec.start({ dataDir, urls, log })
      urls[svc.name] = svc.url
      running.push(svc)
    }
  } catch (err) {
    await stopAll(running)
    throw err
  }
  return running
}

export async function stopAll(running: RunningService[]): Promise<void> {
  for (const svc of [...running].reverse()) {
    await svc.close().catch(() => undefined)
  }
}

export const upCommand: Command = {
  summary: 'run the whole local network (what npm start runs)',
  usage,
  async run(ctx) {
    const { values } = parseArgs({ args: ctx.argv, options: { data: { type: 'string' } } })
    const dataDir = resolve(values.data ?? 'data')
    let running: RunningService[]
    try {
      running = await startAll(defaultServices(), dataDir, ctx.err)
    } catch (err) {
      throw new CommandError(`could not start: ${(err as Error).message}`)
    }
    ctx.out(`welkin is up (data in ${dataDir})`)
    for (const svc of running) {
      ctx.out(`  ${svc.name.padEnd(10)} ${svc.url}`)
      for (const note of svc.notes) ctx.out(`  ${''.padEnd(10)} ${note}`)
    }
    ctx.out('Press Ctrl-C to stop.')
    if (!ctx.signal.aborted)
      await new Promise((done) => ctx.signal.addEventListener('abort', done, { once: true }))
    ctx.err('stopping...')
    await stopAll(running)
    ctx.err('stopped')
    return 0
  },
}

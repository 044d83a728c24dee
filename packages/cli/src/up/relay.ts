// The relay in `welkin up`: data under <data>/relay, identities from the local directory,
// loopback hosts admitted, and generous limits for the local PDS. The PDS names this relay as
// its crawler and asks it for a crawl (as `localhost:PORT`) at its first event.
import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createRelay, DEFAULT_RELAY_PORT, jsonLogger, resolveRelayConfig } from '@welkin/relay'
import type { ServiceSpec } from './service.js'

export function relayService(port = DEFAULT_RELAY_PORT, localPds = 'localhost:2583'): ServiceSpec {
  return {
    name: 'relay',
    async start(ctx) {
      const dataDir = join(ctx.dataDir, 'relay')
      const adminPassword = keptAdminPassword(dataDir, process.env.RELAY_ADMIN_PASSWORD)
      const passwordSource = process.env.RELAY_ADMIN_PASSWORD
        ? 'from RELAY_ADMIN_PASSWORD'
        : `kept in ${join(dataDir, 'admin-password')}`
      const config = resolveRelayConfig(
        {},
        {
          port,
          dataDir,
          plcUrl: ctx.urls.plc,
          allowLoopback: true,
          adminPassword,
          trustedHosts: [localPds],
        },
      )
      const relay = await createRelay(config, {
        logger: jsonLogger('warn', (line) => ctx.log(`relay: ${line.trimEnd()}`)),
      })
      const stream = `${relay.url.replace(/^http/, 'ws')}/xrpc/com.atproto.sync.subscribeRepos`
      return {
        name: 'relay',
        url: relay.url,
        notes: [
          `relay, data in ${config.dataDir}; crawls hosts that ask (requestCrawl)`,
          `firehose: ${stream}`,
          `admin: user "admin", password ${adminPassword} (${passwordSource}); metrics at ${relay.url}/metrics`,
        ],
        close: () => relay.close(),
      }
    },
  }
}

/**
 * RELAY_ADMIN_PASSWORD when set; otherwise one generated on the first start and kept (mode 0600)
 * in the relay's data directory, so a restart keeps it, as the PDS keeps its secrets.
 */
export function keptAdminPassword(dataDir: string, fromEnv: string | undefined): string {
  if (fromEnv) return fromEnv
  const file = join(dataDir, 'admin-password')
  try {
    const kept = readFileSync(file, 'utf8').trim()
    if (kept) return kept
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  mkdirSync(dataDir, { recursive: true })
  const made = randomBytes(18).toString('base64url')
  // 'wx': two starts racing on one directory cannot both write; the loser reads the winner's.
  try {
    writeFileSync(file, `${made}\n`, { mode: 0o600, flag: 'wx' })
    return made
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    return readFileSync(file, 'utf8').trim()
  }
}

// The relay in `welkin up`: data under <data>/relay, identities from the local directory,
// loopback hosts admitted, and generous limits for the local PDS. The PDS names this relay as
// its crawler and asks it for a crawl (as `localhost:PORT`) at its first event.
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { createRelay, DEFAULT_RELAY_PORT, jsonLogger, resolveRelayConfig } from '@welkin/relay'
import type { ServiceSpec } from './service.js'

export function relayService(port = DEFAULT_RELAY_PORT, localPds = 'localhost:2583'): ServiceSpec {
  return {
    name: 'relay',
    async start(ctx) {
      const adminPassword = process.env.RELAY_ADMIN_PASSWORD || randomBytes(12).toString('base64url')
      const config = resolveRelayConfig(
        {},
        {
          port,
          dataDir: join(ctx.dataDir, 'relay'),
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
          `admin: user "admin", password ${adminPassword}; metrics at ${relay.url}/metrics`,
        ],
        close: () => relay.close(),
      }
    },
  }
}

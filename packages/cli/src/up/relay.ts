// The relay in `welkin up`: data under <data>/relay, identities from the local directory,
// loopback hosts admitted, and the local PDS crawled from the start (a PDS on localhost asks
// for a crawl without its port, which a relay cannot act on), with generous limits for it.
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
          seedHosts: [localPds],
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
          `relay, data in ${config.dataDir}; crawling ${localPds}`,
          `firehose: ${stream}`,
          `admin: user "admin", password ${adminPassword}; metrics at ${relay.url}/metrics`,
        ],
        close: () => relay.close(),
      }
    },
  }
}

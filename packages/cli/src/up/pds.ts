// The PDS in `welkin up`: data under <data>/pds, DIDs registered at the local directory, handles
// under .test, dev mode (loopback reachable), and the local relay as its crawler when one runs.
import { join } from 'node:path'
import { createPds, DEFAULT_PORT, resolvePdsConfig } from '@welkin/pds'
import type { ServiceSpec } from './service.js'

export function pdsService(port = DEFAULT_PORT): ServiceSpec {
  return {
    name: 'pds',
    async start(ctx) {
      const config = resolvePdsConfig({
        port,
        hostname: 'localhost',
        dataDirectory: join(ctx.dataDir, 'pds'),
        devMode: true,
        serviceHandleDomains: ['.test'],
        didPlcUrl: ctx.urls.plc,
        crawlers: ctx.urls.relay ? [ctx.urls.relay] : undefined,
      })
      const pds = await createPds(config, {
        log: (msg, fields) => ctx.log(`pds: ${msg}${fields ? ` ${JSON.stringify(fields)}` : ''}`),
        xrpc: { closeGraceMs: 1_000 },
      })
      const url = pds.ctx.config.service.publicUrl
      const secrets = pds.ctx.store.secrets
      const fields = `handle: 'alice.test', email: 'alice@example.com', password: 'change-me'`
      const body = '{"handle":"alice.test","email":"alice@example.com","password":"change-me"}'
      return {
        name: 'pds',
        url,
        notes: [
          `Personal Data Server, handles *.test, data in ${config.storage.dataDirectory}`,
          `admin: user "admin", password ${secrets.adminPassword} (secrets in ${secrets.path})`,
          'create the first account:',
          `  curl -s ${url}/xrpc/com.atproto.server.createAccount -H 'content-type: application/json' -d '${body}'`,
          `  or with @atproto/api: await new AtpAgent({ service: '${url}' }).createAccount({ ${fields} })`,
        ],
        close: () => pds.close(),
      }
    },
  }
}

import { join } from 'node:path'
import { DEFAULT_PLC_PORT, openPlcStore, PlcDirectory, SQLITE_FILE, startPlcServer } from '@welkin/plc'
import type { ServiceSpec } from './service.js'

export function plcService(port = DEFAULT_PLC_PORT): ServiceSpec {
  return {
    name: 'plc',
    async start(ctx) {
      const dataDir = join(ctx.dataDir, 'plc')
      const store = await openPlcStore({ dataDir })
      try {
        const server = await startPlcServer(new PlcDirectory(store), {
          port,
          onError: (err) => ctx.log(`plc: ${(err as Error)?.stack ?? String(err)}`),
        })
        return {
          name: 'plc',
          url: server.url,
          notes: [`did:plc directory, sqlite ${join(dataDir, SQLITE_FILE)}`],
          async close() {
            await server.close(1_000)
            await store.close()
          },
        }
      } catch (err) {
        await store.close()
        throw err
      }
    },
  }
}

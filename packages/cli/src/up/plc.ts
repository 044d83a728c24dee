import { join } from 'node:path'
import {
  type ClientRateLimit,
  DEFAULT_PLC_PORT,
  type OpRateLimits,
  openPlcStore,
  PlcDirectory,
  SQLITE_FILE,
  startPlcServer,
} from '@welkin/plc'
import { describeLimits } from '../commands/plc.js'
import type { ServiceSpec } from './service.js'

// `welkin up` is one developer's network on loopback, not a public directory: its scripts may
// create hundreds of accounts in a minute (every one a POST from the same address, the local
// PDS) and change one account's handle dozens of times while testing. The public limits (60
// POSTs/s, burst 300; 10 ops per DID per hour, 30 per day, 100 per week) would turn such a
// script into spurious 429s. The limits stay on, high enough that only a runaway loop reaches
// them, so the directory still behaves like one that has limits.
export const UP_POST_RATE_LIMIT: Readonly<ClientRateLimit> = Object.freeze({ perSecond: 1000, burst: 10_000 })
export const UP_OP_RATE_LIMITS: Readonly<OpRateLimits> = Object.freeze({
  perHour: 1000,
  perDay: 10_000,
  perWeek: 50_000,
})

export function plcService(port = DEFAULT_PLC_PORT): ServiceSpec {
  return {
    name: 'plc',
    async start(ctx) {
      const dataDir = join(ctx.dataDir, 'plc')
      const store = await openPlcStore({ dataDir })
      try {
        const server = await startPlcServer(new PlcDirectory(store, { opLimits: { ...UP_OP_RATE_LIMITS } }), {
          port,
          postRateLimit: { ...UP_POST_RATE_LIMIT },
          onError: (err) => ctx.log(`plc: ${(err as Error)?.stack ?? String(err)}`),
        })
        return {
          name: 'plc',
          url: server.url,
          notes: [
            `did:plc directory, sqlite ${join(dataDir, SQLITE_FILE)}`,
            `${describeLimits(UP_POST_RATE_LIMIT, UP_OP_RATE_LIMITS)} (generous: a local network)`,
          ],
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

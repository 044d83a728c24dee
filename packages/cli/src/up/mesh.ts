// The mesh node in `welkin up`: graph data under <data>/mesh, libp2p on its default listeners,
// and its HTTP API; its notes print the multiaddrs a peer can bootstrap from.
import { join } from 'node:path'
import { createMeshNode, DEFAULT_API_PORT, DEFAULT_LISTEN, startMeshApi } from '@welkin/mesh'
import type { ServiceSpec } from './service.js'

export function meshService(apiPort = DEFAULT_API_PORT): ServiceSpec {
  return {
    name: 'mesh',
    async start(ctx) {
      const dataDir = join(ctx.dataDir, 'mesh')
      const node = createMeshNode({
        dataDir,
        listen: DEFAULT_LISTEN,
        bootstrap: [],
        onError: (err, where) => ctx.log(`mesh: ${where}: ${(err as Error)?.message ?? String(err)}`),
      })
      await node.start()
      try {
        const api = await startMeshApi(node, {
          port: apiPort,
          onError: (err) => ctx.log(`mesh: api: ${(err as Error)?.stack ?? String(err)}`),
        })
        return {
          name: 'mesh',
          url: api.url,
          notes: [
            `peer ${node.peerId}, graph in ${dataDir}`,
            ...node.multiaddrs.map((a) => `listening on ${a}`),
          ],
          async close() {
            await api.close()
            await node.stop()
          },
        }
      } catch (err) {
        await node.stop()
        throw err
      }
    },
  }
}

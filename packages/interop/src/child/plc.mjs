// Child process: the official did:plc directory (@did-plc/server) with its in-memory database,
// the same mock the official dev-env uses, on a loopback port chosen by the kernel.
import { once } from 'node:events'
import { createRequire } from 'node:module'
import { closeServer, reportFailure, reportReady, stopOnSignal } from './lifecycle.mjs'

const require = createRequire(import.meta.url)

async function main() {
  const { Database, PlcServer } = require('@did-plc/server')
  const db = Database.mock()
  const plc = PlcServer.create({ db, port: 0 })
  // PlcServer.start() would listen on every interface; the harness stays on loopback.
  const server = plc.app.listen(Number(process.env.PLC_PORT ?? 0), '127.0.0.1')
  await once(server, 'listening')
  stopOnSignal(async () => {
    await closeServer(server)
    await db.close()
  })
  reportReady(server.address().port)
}

main().catch(reportFailure)

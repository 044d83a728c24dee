// Child process: the official PDS (@atproto/pds), configured entirely by the PDS_* environment
// its parent built, the way the official service entry point runs it.
import { once } from 'node:events'
import { rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import { reportFailure, reportReady, stopOnSignal } from './lifecycle.mjs'

const require = createRequire(import.meta.url)

async function freeLoopbackPort() {
  const probe = createServer()
  probe.listen(0, '127.0.0.1')
  await once(probe, 'listening')
  const { port } = probe.address()
  await new Promise((resolve) => probe.close(resolve))
  return port
}

async function listen(app, port, host) {
  // app.listen, not http.createServer: the PDS wraps it to route websocket upgrades
  // (com.atproto.sync.subscribeRepos) to its stream handlers.
  const server = app.listen(port, host)
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.once('listening', () => {
      server.off('error', reject)
      resolve()
    })
  })
  server.keepAliveTimeout = 90_000
  return server
}

async function main() {
  // The port is part of the PDS's public URL and service DID, so it is fixed before start.
  if (!process.env.PDS_PORT || process.env.PDS_PORT === '0') {
    process.env.PDS_PORT = String(await freeLoopbackPort())
  }
  const { PDS, envToCfg, envToSecrets, readEnv } = require('@atproto/pds')
  const env = readEnv()
  const pds = await PDS.create(envToCfg(env), envToSecrets(env))
  const port = pds.ctx.cfg.service.port
  // PDS.start() listens on every interface; this replays its steps on loopback only.
  await pds.ctx.sequencer.start()
  const servers = [await listen(pds.app, port, '127.0.0.1')]
  // Where 'localhost' resolves to ::1 as well, the public URL must answer there too.
  try {
    servers.push(await listen(pds.app, port, '::1'))
  } catch {
    // No IPv6 loopback here: 127.0.0.1 alone serves 'localhost'.
  }
  pds.server = servers[0]
  stopOnSignal(async () => {
    for (const server of servers) {
      server.close()
      server.closeAllConnections()
    }
    await pds.destroy()
    // Set when the parent made a temporary directory: removed here too, so a parent that was
    // killed outright leaves nothing behind.
    const owned = process.env.INTEROP_REMOVE_ON_EXIT
    if (owned) await rm(owned, { recursive: true, force: true })
  })
  reportReady(port)
}

main().catch(reportFailure)
